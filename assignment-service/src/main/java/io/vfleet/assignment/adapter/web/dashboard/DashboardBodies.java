package io.vfleet.assignment.adapter.web.dashboard;

import io.swagger.v3.oas.annotations.media.Schema;
import io.vfleet.assignment.application.QueryFleet;
import io.vfleet.assignment.application.QueryFleet.DeviceState;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.GroupIsolation;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON the operator dashboard draws: a summary of the fleet, a line per node that matches the
 * filter, the latest assignments and audit events, newest first; and, on demand, one node with each
 * device's place (IOMMU group, reset set), owner and state.
 *
 * <p>PCI numbers are rendered as 0x-hexadecimal strings, the form {@code lspci} and the assignment
 * selector use, so an operator can paste them from one to the other.
 */
final class DashboardBodies {

    private DashboardBodies() {}

    @Schema(name = "FleetSnapshot")
    record SnapshotBody(Instant at, long inventoryRevision, SummaryBody summary, ListedBody<NodeLineBody> nodes,
            ListedBody<AssignmentBody> assignments, ListedBody<EventBody> events) {

        static SnapshotBody of(QueryFleet.Fleet fleet) {
            return new SnapshotBody(fleet.at(), fleet.inventoryRevision(),
                    new SummaryBody(fleet.nodes(), fleet.liveNodes(), every(fleet.devicesByState(), DeviceState.values()),
                            every(fleet.assignmentsByState(), AssignmentState.values())),
                    new ListedBody<>(fleet.shown().stream().map(NodeLineBody::of).toList(), fleet.matching()),
                    new ListedBody<>(fleet.assignments().items().stream().map(AssignmentBody::of).toList(),
                            fleet.assignments().total()),
                    new ListedBody<>(fleet.events().items().stream().map(EventBody::of).toList(), fleet.events().total()));
        }

        /** Every key, with zero for the ones that have none, so the page draws the same boxes every time. */
        private static <K extends Enum<K>> Map<K, Long> every(Map<K, Long> counts, K[] keys) {
            Map<K, Long> all = new EnumMap<>(keys[0].getDeclaringClass());
            for (K key : keys) {
                all.put(key, counts.getOrDefault(key, 0L));
            }
            return all;
        }
    }

    /** The whole fleet in numbers: nodes, devices by state, assignments by state. */
    @Schema(name = "FleetSummary")
    record SummaryBody(int nodes, int liveNodes, Map<DeviceState, Long> devices, Map<AssignmentState, Long> assignments) {}

    /** Some items of a listing, and how many there are in all. */
    record ListedBody<T>(List<T> items, long total) {}

    /** A node as a line of the overview: its devices counted by state, and the tenants that hold some. */
    @Schema(name = "NodeLine")
    record NodeLineBody(String node, boolean live, boolean noiommuEnabled, int devices, Map<DeviceState, Integer> byState,
            List<String> tenants) {

        static NodeLineBody of(QueryFleet.NodeSummary summary) {
            return new NodeLineBody(summary.node(), summary.live(), summary.noiommuEnabled(), summary.devices(),
                    summary.byState(), List.copyOf(summary.tenants()));
        }
    }

    @Schema(name = "NodeDevices")
    record NodeBody(String node, boolean live, boolean noiommuEnabled, List<DeviceBody> devices) {

        static NodeBody of(QueryFleet.Node node) {
            NodeTopology topology = node.state().topology();
            return new NodeBody(topology.node(), topology.live(), topology.noiommuEnabled(),
                    topology.devices().stream().map(device -> DeviceBody.of(device, node)).toList());
        }
    }

    /**
     * One PCI function. {@code tenant} is the owner's, null for a free or fenced device;
     * {@code assignmentId} is the owning assignment, or for a fenced device the one whose reset fences it;
     * {@code stateReason} says why a {@code HOST} or {@code NOT_ASSIGNABLE} device can never be assigned.
     */
    @Schema(name = "NodeDevice")
    record DeviceBody(String bdf, String vendorId, String deviceId, String classCode, int iommuGroup, String resetSet,
            String kind, boolean unsafe, boolean assignable, String vfioName, DeviceState state, String stateReason,
            String tenant, String assignmentId, String assignmentState, String scrubPendingFrom) {

        static DeviceBody of(TopologyDevice device, QueryFleet.Node node) {
            Hold hold = node.state().hold(device.bdf()).orElse(null);
            boolean owned = hold != null && hold.kind() == Hold.Kind.OWNER;
            AssignmentState ownerState = owned ? node.ownerStates().get(hold.assignmentId()) : null;
            DeviceState where = node.stateOf(device);
            return new DeviceBody(device.bdf(), hex(device.id().vendorId(), 4), hex(device.id().deviceId(), 4),
                    hex(device.id().classCode(), 6), device.iommuGroup(), device.resetSet(), device.kind().name(),
                    device.kind() == TopologyDevice.Kind.NOIOMMU, device.assignable(), device.vfioName(),
                    where, reason(where, node.state().topology(), device),
                    owned ? hold.tenant() : null,
                    hold == null ? null : hold.assignmentId(),
                    ownerState == null ? null : ownerState.name(),
                    node.state().scrubPendingFrom().get(device.bdf()));
        }
    }

    /** Why the device can never be assigned, for the tile's tooltip; null for the states that say it all. */
    static String reason(DeviceState state, NodeTopology topology, TopologyDevice device) {
        return switch (state) {
            case HOST -> device.bdf() + " is kept by a host driver, not vfio-pci: no tenant can be given it";
            case NOT_ASSIGNABLE -> {
                List<String> blockers = GroupIsolation.hostDrivenMembers(device.iommuGroup(), topology);
                yield "IOMMU group " + device.iommuGroup() + " is not viable: " + String.join(", ", blockers)
                        + (blockers.size() == 1 ? " is" : " are") + " kept by a host driver,"
                        + " and a group goes whole to one tenant or not at all";
            }
            case UNREACHABLE, RESETTING, HELD, FREE -> null;
        };
    }

    @Schema(name = "AssignmentLine")
    record AssignmentBody(String id, String tenant, String node, String state, boolean withKvm, List<String> devices,
            Long ioasId, String failureReason, Instant createdAt) {

        static AssignmentBody of(Assignment assignment) {
            return new AssignmentBody(assignment.id(), assignment.tenant(), assignment.node(), assignment.state().name(),
                    assignment.withKvm(), assignment.devices().stream().map(AssignedDevice::bdf).toList(),
                    assignment.ioasId(), assignment.failureReason(), assignment.createdAt());
        }
    }

    @Schema(name = "EventLine")
    record EventBody(long sequence, Instant at, String kind, String tenant, String node, List<String> devices,
            String assignmentId, String detail) {

        static EventBody of(AuditEvent event) {
            return new EventBody(event.sequence(), event.at(), event.kind().name(), event.tenant(), event.node(),
                    event.devices(), event.assignmentId(), event.detail());
        }
    }

    private static String hex(int value, int digits) {
        return "0x" + String.format("%0" + digits + "x", value);
    }
}
