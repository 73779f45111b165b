package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class TenantIoasTest {

    private final List<AssignedDevice> group = List.of(
            new AssignedDevice("0000:02:00.0", "/dev/vfio/devices/vfio0", 11, "bus:02", TopologyDevice.Kind.PHYSICAL, null, null, null),
            new AssignedDevice("0000:02:00.1", "/dev/vfio/devices/vfio1", 11, "bus:02", TopologyDevice.Kind.PHYSICAL, null, null, null));

    @Test
    void aGroupOnOneHwptIsAccepted() {
        Preparation preparation = new Preparation(2, List.of(3L), List.of(
                new Preparation.Device("0000:02:00.0", 1, 3, true), new Preparation.Device("0000:02:00.1", 4, 3, true)));

        assertThat(TenantIoas.check(group, preparation)).isEmpty();
    }

    @Test
    void aGroupSplitOverTwoHwptsIsAGroupIsolationViolation() {
        Preparation preparation = new Preparation(2, List.of(3L, 5L), List.of(
                new Preparation.Device("0000:02:00.0", 1, 3, true), new Preparation.Device("0000:02:00.1", 4, 5, true)));

        assertThat(TenantIoas.check(group, preparation))
                .extracting(Violation::rule, Violation::device)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Violation.Rule.GROUP_ISOLATION, "0000:02:00.1"));
    }

    @Test
    void aDeviceTheAgentDidNotPrepareIsRefused() {
        Preparation preparation = new Preparation(2, List.of(3L), List.of(new Preparation.Device("0000:02:00.0", 1, 3, true)));

        assertThat(TenantIoas.check(group, preparation)).extracting(Violation::device).containsExactly("0000:02:00.1");
    }
}
