package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class GroupIsolationTest {

    private final NodeTopology topology = SampleNode.topology();

    @Test
    void aWholeMultiDeviceGroupPasses() {
        assertThat(GroupIsolation.check(List.of("0000:02:00.0", "0000:02:00.1"), topology)).isEmpty();
    }

    @Test
    void halfAGroupIsRefusedNamingTheMissingMember() {
        assertThat(GroupIsolation.check(List.of("0000:02:00.0"), topology))
                .singleElement()
                .satisfies(violation -> {
                    assertThat(violation.rule()).isEqualTo(Violation.Rule.GROUP_ISOLATION);
                    assertThat(violation.device()).isEqualTo("0000:02:00.1");
                    assertThat(violation.detail()).contains("IOMMU group 11");
                });
    }

    @Test
    void aBridgeInTheGroupDoesNotMakeItUnviable() {
        assertThat(GroupIsolation.check(List.of("0000:01:00.0"), topology)).isEmpty();
        assertThat(GroupIsolation.isViable(10, topology)).isTrue();
    }

    @Test
    void aGroupWithAMemberOnAHostDriverIsNotViable() {
        assertThat(GroupIsolation.check(List.of("0000:04:00.1"), topology))
                .singleElement()
                .satisfies(violation -> {
                    assertThat(violation.device()).isEqualTo("0000:04:00.0");
                    assertThat(violation.detail()).contains("not viable");
                });
        assertThat(GroupIsolation.isViable(14, topology)).isFalse();
    }

    @Test
    void theHostDrivenMembersOfAGroupAreThoseThatMakeItUnviableBridgesAside() {
        assertThat(GroupIsolation.hostDrivenMembers(14, topology)).containsExactly("0000:04:00.0");
        assertThat(GroupIsolation.hostDrivenMembers(10, topology)).isEmpty();
    }

    @Test
    void devicesOfOneResetSetButSeparateGroupsMayBeRequestedAlone() {
        assertThat(GroupIsolation.check(List.of("0000:03:00.0"), topology)).isEmpty();
    }
}
