package io.vfleet.assignment.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentChange;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.DeviceSelector;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.Placement;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TopologyDevice;
import io.vfleet.assignment.domain.Violation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The fleet view alone, in memory: what it chooses, what it assumes, and how it takes changes in any order. */
class FleetViewTest {

    private static final int NVIDIA = 0x10de;
    private static final int H100 = 0x2330;
    private static final int A100 = 0x20b5;
    private static final DeviceSelector ONE_H100 = new DeviceSelector(NVIDIA, H100, null, 1);

    /** A host of {@code gpus} GPUs, each in an IOMMU group and a reset set of its own. */
    private static NodeTopology host(String name, int gpus, int device) {
        List<TopologyDevice> devices = new ArrayList<>();
        for (int gpu = 0; gpu < gpus; gpu++) {
            String bdf = String.format("0000:%02x:00.0", 0x20 + gpu);
            devices.add(new TopologyDevice(bdf, new TopologyDevice.PciId(NVIDIA, device, 0x030200), 100 + gpu,
                    "slot:" + bdf, TopologyDevice.Kind.PHYSICAL, true, "/dev/vfio/devices/vfio" + gpu));
        }
        return new NodeTopology(name, false, true, devices);
    }

    private static FleetView fleet(NodeTopology... nodes) {
        FleetView view = new FleetView();
        view.load(List.of(nodes), List.of());
        return view;
    }

    private static Placement.Request request(String tenant, DeviceSelector selector) {
        return new Placement.Request(tenant, selector, TenantPolicy.defaults(tenant));
    }

    private static AssignmentChange change(long revision, String id, String tenant, String node, AssignmentState state,
            String... devices) {
        List<AssignedDevice> assigned = java.util.Arrays.stream(devices)
                .map(bdf -> new AssignedDevice(bdf, "", 0, "slot:" + bdf, TopologyDevice.Kind.PHYSICAL, null, null, null)).toList();
        return new AssignmentChange(revision, new Assignment(id, tenant, node, state, false, assigned, null, List.of(), null,
                Instant.EPOCH), Set.of(), Set.of());
    }

    @Test
    void aSelectorGoesToTheFullestNodeThatFits() {
        FleetView view = fleet(host("a", 4, H100), host("b", 4, H100), host("c", 4, H100));
        view.apply(change(10, "x", "other", "b", AssignmentState.ACTIVE, "0000:20:00.0", "0000:21:00.0", "0000:22:00.0"));

        Placement.Choice choice = view.place("p", request("acme", ONE_H100), null, Map.of());

        assertThat(choice.node()).isEqualTo("b");
        assertThat(choice.devices()).containsExactly("0000:23:00.0");
    }

    @Test
    void concurrentDecisionsDoNotProposeTheSameDevices() {
        FleetView view = fleet(host("a", 2, H100));

        Placement.Choice first = view.place("p-1", request("acme", ONE_H100), null, Map.of());
        Placement.Choice second = view.place("p-2", request("acme", ONE_H100), null, Map.of());

        assertThat(first.devices()).doesNotContainAnyElementsOf(second.devices());
        assertThatThrownBy(() -> view.place("p-3", request("acme", ONE_H100), null, Map.of()))
                .isInstanceOfSatisfying(AssignmentRefused.class, refused -> assertThat(refused.violations())
                        .extracting(Violation::rule).containsExactly(Violation.Rule.NO_MATCHING_DEVICE));
        assertThat(view.devicesOf("acme")).isEqualTo(2);
    }

    @Test
    void aForgottenAssumptionFreesItsDevicesAndACommittedOneStays() {
        FleetView view = fleet(host("a", 1, H100));
        Placement.Choice chosen = view.place("p-1", request("acme", ONE_H100), null, Map.of());
        view.forget("p-1");

        Placement.Choice again = view.place("p-2", request("acme", ONE_H100), null, Map.of());
        view.apply(change(7, "p-2", "acme", "a", AssignmentState.PREPARING, again.devices().toArray(String[]::new)));
        view.forget("p-2");

        assertThat(again.devices()).isEqualTo(chosen.devices());
        assertThat(view.nodeState("a").orElseThrow().isFree(again.devices().getFirst())).isFalse();
    }

    @Test
    void anOlderChangeAfterANewerOneChangesNothing() {
        FleetView view = fleet(host("a", 2, H100));
        view.apply(change(20, "x", "acme", "a", AssignmentState.RELEASED, "0000:20:00.0"));
        view.apply(change(10, "x", "acme", "a", AssignmentState.PREPARING, "0000:20:00.0"));

        assertThat(view.nodeState("a").orElseThrow().isFree("0000:20:00.0")).isTrue();
        assertThat(view.devicesOf("acme")).isZero();
    }

    @Test
    void aTombstoneTurnsLateChangesAwayForTwoMinutesAndIsThenForgotten() {
        FleetView view = fleet(host("a", 2, H100));
        view.apply(change(20, "x", "acme", "a", AssignmentState.RELEASED, "0000:20:00.0"));
        view.apply(change(21, "y", "acme", "a", AssignmentState.ACTIVE, "0000:21:00.0"));

        view.forgetTombstones(Instant.now().plusSeconds(60));
        view.apply(change(10, "x", "acme", "a", AssignmentState.PREPARING, "0000:20:00.0"));
        assertThat(view.nodeState("a").orElseThrow().isFree("0000:20:00.0")).isTrue();

        view.forgetTombstones(Instant.now().plusSeconds(180));
        // Nothing remembers x now: a change as late as this one is no longer expected, and is taken.
        view.apply(change(10, "x", "acme", "a", AssignmentState.PREPARING, "0000:20:00.0"));
        assertThat(view.nodeState("a").orElseThrow().isFree("0000:20:00.0")).isFalse();
        // An assignment that still holds its devices has no tombstone, however old.
        view.apply(change(5, "y", "acme", "a", AssignmentState.FAILED, "0000:21:00.0"));
        assertThat(view.nodeState("a").orElseThrow().hold("0000:21:00.0")).map(Hold::assignmentId).contains("y");
        assertThat(view.devicesOf("acme")).isEqualTo(2);
    }

    @Test
    void holdsOfTwoAssignmentsOnOneDeviceSettleWhicheverOrderTheirChangesCome() {
        // y took the device after x let it go, but y's change has the lower revision: it may come first.
        FleetView view = fleet(host("a", 1, H100));
        view.apply(change(5, "y", "globex", "a", AssignmentState.PREPARING, "0000:20:00.0"));
        view.apply(change(6, "x", "acme", "a", AssignmentState.ACTIVE, "0000:20:00.0"));
        view.apply(change(7, "x", "acme", "a", AssignmentState.RELEASED, "0000:20:00.0"));

        NodeState state = view.nodeState("a").orElseThrow();
        assertThat(state.hold("0000:20:00.0")).map(Hold::assignmentId).contains("y");
        assertThat(view.devicesOf("acme")).isZero();
        assertThat(view.devicesOf("globex")).isEqualTo(1);
    }

    @Test
    void aRefreshFromTheDatabaseKeepsUndecidedAssumptionsAndDropsWhatTheDatabaseNoLongerHolds() {
        NodeTopology topology = host("a", 3, H100);
        FleetView view = fleet(topology);
        view.load(List.of(topology), List.of(new NodeState(topology,
                Map.of("0000:20:00.0", new Hold("0000:20:00.0", "other", "o-1", Hold.Kind.OWNER)), Map.of())));
        Placement.Choice assumed = view.place("p-1", request("acme", ONE_H100), null, Map.of());

        view.refresh(new NodeState(topology,
                Map.of("0000:22:00.0", new Hold("0000:22:00.0", "other", "o-2", Hold.Kind.OWNER)), Map.of()));

        NodeState state = view.nodeState("a").orElseThrow();
        assertThat(state.isFree("0000:20:00.0")).isTrue();
        assertThat(state.isFree("0000:22:00.0")).isFalse();
        assertThat(state.isFree(assumed.devices().getFirst())).isFalse();
    }

    @Test
    void devicesLostToAConcurrentReservationAreNotProposedAgain() {
        FleetView view = fleet(host("a", 2, H100));

        Placement.Choice choice = view.place("p", request("acme", ONE_H100), null, Map.of("a", Set.of("0000:20:00.0")));

        assertThat(choice.devices()).containsExactly("0000:21:00.0");
    }

    @Test
    void aSelectorFindsTheOneFreeDeviceOfAThousandNodesAndTheIdentityItAsks() {
        List<NodeTopology> nodes = new ArrayList<>();
        for (int node = 0; node < 1_000; node++) {
            nodes.add(host(String.format("n%04d", node), 16, node == 777 ? A100 : H100));
        }
        FleetView view = new FleetView();
        view.load(nodes, List.of());

        Placement.Choice choice = view.place("p", request("acme", new DeviceSelector(NVIDIA, A100, null, 16)), null, Map.of());

        assertThat(choice.node()).isEqualTo("n0777");
        assertThat(choice.devices()).hasSize(16);
    }

    @Test
    void aNodeThatIsNotLiveIsNeverChosenAndAFleetOfThemIsUnreachable() {
        NodeTopology down = new NodeTopology("down", false, false, host("down", 2, H100).devices());
        FleetView view = fleet(down);

        assertThatThrownBy(() -> view.place("p", request("acme", ONE_H100), null, Map.of()))
                .isInstanceOfSatisfying(AssignmentRefused.class, refused -> assertThat(refused.violations())
                        .extracting(Violation::rule).containsExactly(Violation.Rule.NODE_UNREACHABLE));
    }

    @Test
    void anOlderTopologyRevisionChangesNothing() {
        FleetView view = fleet();
        view.replaceNode(host("a", 2, H100), 9);
        view.replaceNode(new NodeTopology("a", false, false, host("a", 2, H100).devices()), 8);

        assertThat(view.topology("a")).map(NodeTopology::live).contains(true);
    }

    @Test
    void aScrubPendingInAClosedResetSetMakesTheNodeSuspect() {
        FleetView view = fleet(host("a", 2, H100));
        view.apply(new AssignmentChange(3, new Assignment("x", "acme", "a", AssignmentState.RELEASED, false, List.of(
                new AssignedDevice("0000:20:00.0", "", 100, "slot:0000:20:00.0", TopologyDevice.Kind.PHYSICAL, null, null,
                        null)), null, List.of(), null,
                Instant.EPOCH), Set.of("0000:20:00.0"), Set.of()));

        assertThat(view.takeSuspects()).containsExactly("a");
        assertThat(view.takeSuspects()).isEmpty();
    }
}
