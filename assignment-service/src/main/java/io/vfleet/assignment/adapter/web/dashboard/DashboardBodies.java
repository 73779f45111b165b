package io.vfleet.assignment.adapter.web.dashboard;

import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.GroupIsolation;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The JSON the operator dashboard draws: every node with each device's place (IOMMU group, reset
 * set), owner and state, and the latest assignments and audit events, newest first.
 *
 * <p>PCI numbers are rendered as 0x-hexadecimal strings, the form {@code lspci} and the assignment
 * selector use, so an operator can paste them from one to the other.
 */
final class DashboardBodies {

    private DashboardBodies() {}

    /** Where a device stands for an operator; the first that applies wins, in this order. */
    enum DeviceState {
        /** The node's agent is not live: whatever the database says, nobody can act on the device now. */
        UNREACHABLE,
        /** Fenced by a hot reset of its reset set, or its owner is releasing it (the agent scrub-resets it). */
        RESETTING,
        /** Opened for an assignment that is being prepared or is active. */
        HELD,
        /** Bound to a host driver rather than vfio-pci: no assignment can open it. */
        HOST,
        /** Bound to vfio-pci, but its IOMMU group has a member kept by a host driver, so the group is not viable. */
        NOT_ASSIGNABLE,
        FREE;

        static DeviceState of(NodeTopology topology, TopologyDevice device, Hold hold, Assignment owner) {
            if (!topology.live()) {
                return UNREACHABLE;
            }
            if (hold != null) {
                return switch (hold.kind()) {
                    case FENCE -> RESETTING;
                    case OWNER -> owner != null && releasing(owner.state()) ? RESETTING : HELD;
                };
            }
            if (!device.assignable()) {
                return HOST;
            }
            return GroupIsolation.isViable(device.iommuGroup(), topology) ? FREE : NOT_ASSIGNABLE;
        }

        /** Why the device can never be assigned, for the tile's tooltip; null for the states that say it all. */
        String reason(NodeTopology topology, TopologyDevice device) {
            return switch (this) {
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

        private static boolean releasing(AssignmentState state) {
            return switch (state) {
                case RELEASING, RESETTING -> true;
                case REQUESTED, PREPARING, ACTIVE, RELEASED, FAILED -> false;
            };
        }
    }

    record SnapshotBody(Instant at, long inventoryRevision, List<NodeBody> nodes, LatestBody<AssignmentBody> assignments,
            LatestBody<EventBody> events) {}

    /** The newest items of a listing, newest first, and how many there are in all. */
    record LatestBody<T>(List<T> items, long total) {}

    record NodeBody(String node, boolean live, boolean noiommuEnabled, List<DeviceBody> devices) {

        static NodeBody of(NodeState state, Map<String, Assignment> owners) {
            return new NodeBody(state.node(), state.topology().live(), state.topology().noiommuEnabled(),
                    state.topology().devices().stream().map(device -> DeviceBody.of(device, state, owners)).toList());
        }
    }

    /**
     * One PCI function. {@code tenant} is the owner's, null for a free or fenced device;
     * {@code assignmentId} is the owning assignment, or for a fenced device the one whose reset fences it;
     * {@code stateReason} says why a {@code HOST} or {@code NOT_ASSIGNABLE} device can never be assigned.
     */
    record DeviceBody(String bdf, String vendorId, String deviceId, String classCode, int iommuGroup, String resetSet,
            String kind, boolean unsafe, boolean assignable, String vfioName, DeviceState state, String stateReason,
            String tenant, String assignmentId, String assignmentState, String scrubPendingFrom) {

        static DeviceBody of(TopologyDevice device, NodeState state, Map<String, Assignment> owners) {
            Hold hold = state.hold(device.bdf()).orElse(null);
            Assignment owner = hold == null ? null : owners.get(hold.assignmentId());
            boolean owned = hold != null && hold.kind() == Hold.Kind.OWNER;
            DeviceState where = DeviceState.of(state.topology(), device, hold, owner);
            return new DeviceBody(device.bdf(), hex(device.id().vendorId(), 4), hex(device.id().deviceId(), 4),
                    hex(device.id().classCode(), 6), device.iommuGroup(), device.resetSet(), device.kind().name(),
                    device.kind() == TopologyDevice.Kind.NOIOMMU, device.assignable(), device.vfioName(),
                    where, where.reason(state.topology(), device),
                    owned ? hold.tenant() : null,
                    hold == null ? null : hold.assignmentId(),
                    owned && owner != null ? owner.state().name() : null,
                    state.scrubPendingFrom().get(device.bdf()));
        }
    }

    record AssignmentBody(String id, String tenant, String node, String state, boolean withKvm, List<String> devices,
            Long ioasId, String failureReason, Instant createdAt) {

        static AssignmentBody of(Assignment assignment) {
            return new AssignmentBody(assignment.id(), assignment.tenant(), assignment.node(), assignment.state().name(),
                    assignment.withKvm(), assignment.devices().stream().map(AssignedDevice::bdf).toList(),
                    assignment.ioasId(), assignment.failureReason(), assignment.createdAt());
        }
    }

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
