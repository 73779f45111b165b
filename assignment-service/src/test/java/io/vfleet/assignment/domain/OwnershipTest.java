package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OwnershipTest {

    @Test
    void freeDevicesPass() {
        assertThat(Ownership.check("acme", List.of("0000:01:00.0"), SampleNode.state().build())).isEmpty();
    }

    @Test
    void aDeviceOwnedByAnotherAssignmentIsBusyEvenForTheSameTenant() {
        NodeState state = SampleNode.state().owned("acme", "a-1", "0000:01:00.0").build();

        assertThat(Ownership.check("acme", List.of("0000:01:00.0", "0000:06:00.0"), state))
                .singleElement()
                .satisfies(violation -> {
                    assertThat(violation.rule()).isEqualTo(Violation.Rule.DEVICE_BUSY);
                    assertThat(violation.device()).isEqualTo("0000:01:00.0");
                    assertThat(violation.detail()).contains("a-1");
                });
    }

    @Test
    void aDeviceOwnedByAnotherTenantIsBusyWithoutNamingTheTenantOrItsAssignment() {
        NodeState state = SampleNode.state().owned("acme", "a-1", "0000:01:00.0").build();

        assertThat(Ownership.check("globex", List.of("0000:01:00.0"), state))
                .singleElement()
                .satisfies(violation -> {
                    assertThat(violation.rule()).isEqualTo(Violation.Rule.DEVICE_BUSY);
                    assertThat(violation.detail()).contains("another tenant").doesNotContain("a-1").doesNotContain("acme");
                });
    }

    @Test
    void aFencedFreeDeviceIsBusyForTheLengthOfTheReset() {
        NodeState state = SampleNode.state().fenced("acme", "a-1", "0000:03:00.1").build();

        assertThat(Ownership.check("globex", List.of("0000:03:00.1"), state))
                .extracting(Violation::rule, Violation::device)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Violation.Rule.DEVICE_BUSY, "0000:03:00.1"));
    }
}
