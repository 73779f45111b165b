package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ResetSetSafetyTest {

    private static Assignment assignment(String id, String tenant, String... bdfs) {
        return Assignment.requested(id, tenant, "n1", Arrays.stream(bdfs)
                .map(bdf -> AssignedDevice.of(SampleNode.topology().device(bdf).orElseThrow())).toList(), false);
    }

    @Test
    void aResetIsAllowedWhenTheAssignmentHoldsTheWholeSet() {
        Assignment both = assignment("a-1", "acme", "0000:03:00.0", "0000:03:00.1");
        NodeState state = SampleNode.state().owned("acme", "a-1", "0000:03:00.0", "0000:03:00.1").build();

        assertThat(ResetSetSafety.check(both, "0000:03:00.0", state)).isEmpty();
        assertThat(ResetSetSafety.membersToFence("0000:03:00.0", state)).isEmpty();
    }

    @Test
    void aResetIsAllowedWhenTheOtherMembersAreFreeAndTheyAreTheOnesToFence() {
        Assignment first = assignment("a-1", "acme", "0000:03:00.0");
        NodeState state = SampleNode.state().owned("acme", "a-1", "0000:03:00.0").build();

        assertThat(ResetSetSafety.check(first, "0000:03:00.0", state)).isEmpty();
        assertThat(ResetSetSafety.membersToFence("0000:03:00.0", state)).containsExactly("0000:03:00.1");
    }

    @Test
    void aMemberHeldByAnotherAssignmentOfTheSameTenantRefusesTheResetAsTheKernelWould() {
        Assignment first = assignment("a-1", "acme", "0000:03:00.0");
        NodeState state = SampleNode.state()
                .owned("acme", "a-1", "0000:03:00.0")
                .owned("acme", "a-2", "0000:03:00.1")
                .build();

        assertThat(ResetSetSafety.check(first, "0000:03:00.0", state)).singleElement().satisfies(violation -> {
            assertThat(violation.rule()).isEqualTo(Violation.Rule.RESET_SET);
            assertThat(violation.device()).isEqualTo("0000:03:00.1");
            assertThat(violation.detail()).as("the tenant's own assignment may be named").contains("a-2");
        });
    }

    @Test
    void aResetReachingAnotherTenantsOpenedDeviceIsRefusedWithoutNamingTheTenantOrItsAssignment() {
        Assignment first = assignment("a-1", "acme", "0000:03:00.0");
        NodeState state = SampleNode.state()
                .owned("acme", "a-1", "0000:03:00.0")
                .owned("globex", "g-1", "0000:03:00.1")
                .build();

        assertThat(ResetSetSafety.check(first, "0000:03:00.0", state))
                .singleElement()
                .satisfies(violation -> {
                    assertThat(violation.rule()).isEqualTo(Violation.Rule.RESET_SET);
                    assertThat(violation.device()).isEqualTo("0000:03:00.1");
                    assertThat(violation.detail()).doesNotContain("globex").doesNotContain("g-1");
                });
    }

    @Test
    void aResetWhileAnotherTenantsResetFencesTheSetIsRefusedWithoutNamingIt() {
        Assignment first = assignment("a-1", "acme", "0000:03:00.0");
        NodeState state = SampleNode.state()
                .owned("acme", "a-1", "0000:03:00.0")
                .fenced("globex", "g-1", "0000:03:00.1")
                .build();

        assertThat(ResetSetSafety.check(first, "0000:03:00.0", state)).singleElement().satisfies(violation -> {
            assertThat(violation.rule()).isEqualTo(Violation.Rule.RESET_SET);
            assertThat(violation.detail()).contains("fenced").doesNotContain("g-1").doesNotContain("globex");
        });
    }

    @Test
    void aMemberKeptByAHostDriverRefusesTheResetWhoeverHoldsTheRest() {
        Assignment nic = assignment("a-1", "acme", "0000:04:00.1");
        NodeState state = SampleNode.state().owned("acme", "a-1", "0000:04:00.1").build();

        assertThat(ResetSetSafety.check(nic, "0000:04:00.1", state)).singleElement().satisfies(violation -> {
            assertThat(violation.rule()).isEqualTo(Violation.Rule.RESET_SET);
            assertThat(violation.device()).isEqualTo("0000:04:00.0");
        });
    }

    @Test
    void aSetIsBlockedForANewAssignmentWhenAnyoneHoldsAnotherMemberOrTheHostKeepsOne() {
        TopologyDevice second = SampleNode.topology().device("0000:03:00.1").orElseThrow();
        TopologyDevice besideAHostNic = SampleNode.topology().device("0000:04:00.1").orElseThrow();

        assertThat(ResetSetSafety.isBlocked(second, SampleNode.state().build())).isFalse();
        assertThat(ResetSetSafety.isBlocked(second, SampleNode.state().owned("acme", "a-1", "0000:03:00.0").build()))
                .as("even the same tenant's: a new assignment is an iommufd context of its own").isTrue();
        assertThat(ResetSetSafety.isBlocked(second, SampleNode.state().fenced("globex", "g-1", "0000:03:00.0").build())).isTrue();
        assertThat(ResetSetSafety.isBlocked(second, SampleNode.state().owned("globex", "g-1", "0000:03:00.1").build()))
                .as("its own hold does not count").isFalse();
        assertThat(ResetSetSafety.isBlocked(besideAHostNic, SampleNode.state().build())).isTrue();
    }
}
