package io.vfleet.assignment.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static final DeviceSelector ONE_GPU = new DeviceSelector(SampleNode.NVIDIA, SampleNode.H100, null, 1);

    private static Placement.Request request(String tenant, DeviceSelector selector) {
        return new Placement.Request(tenant, selector, TenantPolicy.defaults(tenant));
    }

    @Test
    void aSingleGpuGoesToASingleDeviceGroupWithAFreeResetSet() {
        Placement.Choice choice = Placement.choose(request("acme", ONE_GPU), List.of(SampleNode.state().build()));

        assertThat(choice.node()).isEqualTo("n1");
        assertThat(choice.devices()).containsExactly("0000:01:00.0");
        assertThat(choice.sharedResetSets()).isZero();
    }

    @Test
    void aGroupComesWholeWithItsNonMatchingMembers() {
        NodeState busy = SampleNode.state()
                .owned("other", "o-1", "0000:01:00.0", "0000:03:00.0", "0000:03:00.1", "0000:06:00.0")
                .build();

        Placement.Choice choice = Placement.choose(request("acme", ONE_GPU), List.of(busy));

        assertThat(choice.devices()).containsExactly("0000:02:00.0", "0000:02:00.1");
        assertThat(choice.extraDevices()).isEqualTo(1);
    }

    @Test
    void devicesWhoseResetSetAnotherAssignmentHoldsComeLastTheTenantsOwnIncluded() {
        NodeState othersSet = SampleNode.state()
                .owned("globex", "g-1", "0000:03:00.0")
                .owned("other", "o-1", "0000:01:00.0", "0000:06:00.0", "0000:02:00.0", "0000:02:00.1")
                .build();
        NodeState ownSet = SampleNode.state()
                .owned("acme", "a-1", "0000:03:00.0")
                .owned("other", "o-1", "0000:01:00.0", "0000:06:00.0", "0000:02:00.0", "0000:02:00.1")
                .build();
        NodeState freeSet = SampleNode.state()
                .owned("other", "o-1", "0000:01:00.0", "0000:06:00.0", "0000:02:00.0", "0000:02:00.1")
                .build();

        Placement.Choice besideAnotherTenant = Placement.onNode(request("acme", ONE_GPU), othersSet).orElseThrow();
        // A new assignment is an iommufd context of its own: the kernel would not reset the set for it either.
        Placement.Choice besideItsOwn = Placement.onNode(request("acme", ONE_GPU), ownSet).orElseThrow();
        Placement.Choice alone = Placement.onNode(request("acme", ONE_GPU), freeSet).orElseThrow();

        assertThat(besideAnotherTenant.devices()).containsExactly("0000:03:00.1");
        assertThat(besideAnotherTenant.sharedResetSets()).isEqualTo(1);
        assertThat(besideItsOwn.sharedResetSets()).isEqualTo(1);
        assertThat(alone.sharedResetSets()).isZero();
    }

    @Test
    void theNodeWithTheFreeResetSetsWins() {
        NodeState crowded = new SampleNode.State(SampleNode.topology("a-node", false))
                .owned("globex", "g-1", "0000:03:00.0", "0000:01:00.0", "0000:06:00.0", "0000:02:00.0", "0000:02:00.1")
                .build();
        NodeState roomy = new SampleNode.State(SampleNode.topology("z-node", false)).build();

        assertThat(Placement.choose(request("acme", ONE_GPU), List.of(crowded, roomy)).node()).isEqualTo("z-node");
    }

    @Test
    void allOrNothingOnOneNode() {
        DeviceSelector fiveGpus = new DeviceSelector(SampleNode.NVIDIA, SampleNode.H100, null, 5);
        NodeState first = new SampleNode.State(SampleNode.topology("n1", false))
                .owned("other", "o-1", "0000:01:00.0", "0000:06:00.0").build();
        NodeState second = new SampleNode.State(SampleNode.topology("n2", false))
                .owned("other", "o-2", "0000:01:00.0", "0000:06:00.0").build();

        assertThat(Placement.onNode(request("acme", fiveGpus), SampleNode.state().build()).orElseThrow().devices())
                .hasSize(6);
        assertThatThrownBy(() -> Placement.choose(request("acme", fiveGpus), List.of(first, second)))
                .isInstanceOfSatisfying(AssignmentRefused.class, refused -> assertThat(refused.violations())
                        .extracting(Violation::rule).containsExactly(Violation.Rule.NO_MATCHING_DEVICE));
    }

    @Test
    void devicesAwaitingAnotherTenantsScrubAreNotPlacedButTheirOwnTenantMayHaveThemBack() {
        NodeState state = SampleNode.state()
                .owned("other", "o-1", "0000:03:00.0", "0000:03:00.1", "0000:06:00.0", "0000:02:00.0", "0000:02:00.1")
                .scrubPending("acme", "0000:01:00.0")
                .build();

        assertThat(Placement.onNode(request("globex", ONE_GPU), state)).isEmpty();
        assertThat(Placement.onNode(request("acme", ONE_GPU), state).orElseThrow().devices())
                .containsExactly("0000:01:00.0");
    }

    @Test
    void noiommuDevicesArePlacedOnlyForAllowedTenantsOnEnablingNodes() {
        DeviceSelector nic = new DeviceSelector(0x8086, 0x1533, null, 1);
        TenantPolicy trusted = new TenantPolicy("acme", 8, 1 << 30, true);
        NodeState enabling = new SampleNode.State(SampleNode.topology("n1", true)).build();

        assertThat(Placement.onNode(new Placement.Request("acme", nic, trusted), enabling)).isPresent();
        assertThat(Placement.onNode(request("acme", nic), enabling)).isEmpty();
        assertThat(Placement.onNode(new Placement.Request("acme", nic, trusted), SampleNode.state().build())).isEmpty();
    }

    @Test
    void onlyUnreachableNodesIsNodeUnreachable() {
        NodeTopology down = new NodeTopology("n1", false, false, SampleNode.topology().devices());

        assertThatThrownBy(() -> Placement.choose(request("acme", ONE_GPU), List.of(NodeState.idle(down))))
                .isInstanceOfSatisfying(AssignmentRefused.class, refused -> assertThat(refused.violations())
                        .extracting(Violation::rule).containsExactly(Violation.Rule.NODE_UNREACHABLE));
    }

    @Test
    void unviableGroupsAreNeverPlaced() {
        DeviceSelector nic = new DeviceSelector(0x15b3, 0x1021, null, 1);

        assertThat(Placement.onNode(request("acme", nic), SampleNode.state().build())).isEmpty();
    }
}
