package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ResetSetSafetyTest {

    @Test
    void aResetIsAllowedWhenEveryOpenedMemberIsTheTenants() {
        NodeState state = SampleNode.state()
                .owned("acme", "a-1", "0000:03:00.0")
                .owned("acme", "a-2", "0000:03:00.1")
                .build();

        assertThat(ResetSetSafety.check("acme", "0000:03:00.0", state)).isEmpty();
    }

    @Test
    void aResetReachingAnotherTenantsOpenedDeviceIsRefused() {
        NodeState state = SampleNode.state()
                .owned("acme", "a-1", "0000:03:00.0")
                .owned("globex", "g-1", "0000:03:00.1")
                .build();

        assertThat(ResetSetSafety.check("acme", "0000:03:00.0", state))
                .singleElement()
                .satisfies(violation -> {
                    assertThat(violation.rule()).isEqualTo(Violation.Rule.RESET_SET);
                    assertThat(violation.device()).isEqualTo("0000:03:00.1");
                    assertThat(violation.detail()).doesNotContain("globex");
                });
    }

    @Test
    void aResetWhileAnotherResetFencesTheSetIsRefused() {
        NodeState state = SampleNode.state()
                .owned("acme", "a-1", "0000:03:00.0")
                .fenced("acme", "a-2", "0000:03:00.1")
                .build();

        assertThat(ResetSetSafety.check("acme", "0000:03:00.0", state))
                .extracting(Violation::rule).containsExactly(Violation.Rule.RESET_SET);
    }

    @Test
    void theFreeMembersOfTheSetAreTheOnesToFence() {
        NodeState state = SampleNode.state().owned("acme", "a-1", "0000:03:00.0").build();

        assertThat(ResetSetSafety.membersToFence("0000:03:00.0", state)).containsExactly("0000:03:00.1");
    }

    @Test
    void aSetIsSharedOnlyWhenAnotherTenantHoldsAMember() {
        TopologyDevice second = SampleNode.topology().device("0000:03:00.1").orElseThrow();

        assertThat(ResetSetSafety.isShared("acme", second, SampleNode.state().build())).isFalse();
        assertThat(ResetSetSafety.isShared("acme", second,
                SampleNode.state().owned("acme", "a-1", "0000:03:00.0").build())).isFalse();
        assertThat(ResetSetSafety.isShared("acme", second,
                SampleNode.state().owned("globex", "g-1", "0000:03:00.0").build())).isTrue();
    }
}
