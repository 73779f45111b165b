package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QuotasTest {

    private final TenantPolicy policy = new TenantPolicy("acme", 4, 1_000, false);

    @Test
    void reachingTheQuotaExactlyPasses() {
        assertThat(Quotas.check(policy, new TenantUsage(2, 400), new Quotas.Demand(2, 600))).isEmpty();
    }

    @Test
    void oneDeviceTooManyIsAQuotaViolationWithTheNumbers() {
        assertThat(Quotas.check(policy, new TenantUsage(3, 0), new Quotas.Demand(2, 0)))
                .singleElement()
                .satisfies(violation -> {
                    assertThat(violation.rule()).isEqualTo(Violation.Rule.QUOTA);
                    assertThat(violation.detail()).contains("holds 3 of at most 4");
                });
    }

    @Test
    void pinnedBytesBeyondTheQuotaAreAViolationWithoutOverflow() {
        TenantPolicy huge = new TenantPolicy("acme", 4, Long.MAX_VALUE, false);

        assertThat(Quotas.check(policy, new TenantUsage(0, 900), new Quotas.Demand(0, 101)))
                .extracting(Violation::rule).containsExactly(Violation.Rule.QUOTA);
        assertThat(Quotas.check(huge, new TenantUsage(0, Long.MAX_VALUE - 1), new Quotas.Demand(0, 1))).isEmpty();
    }
}
