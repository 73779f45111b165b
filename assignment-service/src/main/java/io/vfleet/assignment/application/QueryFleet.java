package io.vfleet.assignment.application;

import io.vfleet.security.AccessDenied;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.GroupIsolation;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.transaction.support.TransactionOperations;

/**
 * What operators and auditors see of the fleet (the dashboard): a summary of every node and device, the
 * nodes that match a filter, each as a line of counts, and the newest assignments and audit events; or
 * one node in full, on demand. Each answer is read in one snapshot, in a number of statements that does
 * not grow with the fleet: the whole fleet's holds in one, their assignments' states in another.
 */
public final class QueryFleet {

    /** How many of the newest assignments and audit events a fleet snapshot carries. */
    public static final int NEWEST = 50;

    /** How long a fleet snapshot waits at most for audit events committed before it to be in the log. */
    private static final Duration AUDIT_WAIT = Duration.ofSeconds(1);

    private final TransactionOperations snapshots;
    private final Topologies topologies;
    private final Assignments assignments;
    private final AuditLog audit;

    /** @param snapshots read-only and repeatable-read, so that everything one answer says is of one instant */
    public QueryFleet(TransactionOperations snapshots, Topologies topologies, Assignments assignments, AuditLog audit) {
        this.snapshots = snapshots;
        this.topologies = topologies;
        this.assignments = assignments;
        this.audit = audit;
    }

    /** Where a device stands for an operator; the first that applies wins, in this order. */
    public enum DeviceState {
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

        /** The device's state, {@code hold} being its hold (or null) and {@code owner} the holding assignment's state. */
        public static DeviceState of(NodeTopology topology, TopologyDevice device, Hold hold, AssignmentState owner) {
            if (!topology.live()) {
                return UNREACHABLE;
            }
            if (hold != null) {
                return switch (hold.kind()) {
                    case FENCE -> RESETTING;
                    case OWNER -> owner != null && releasing(owner) ? RESETTING : HELD;
                };
            }
            if (!device.assignable()) {
                return HOST;
            }
            return GroupIsolation.isViable(device.iommuGroup(), topology) ? FREE : NOT_ASSIGNABLE;
        }

        private static boolean releasing(AssignmentState state) {
            return switch (state) {
                case RELEASING, RESETTING -> true;
                case REQUESTED, PREPARING, ACTIVE, RELEASED, FAILED -> false;
            };
        }
    }

    /** Which nodes to show: each filter null for any. */
    public record Filter(String nodePrefix, String tenant, DeviceState state) {}

    /** One node as a line of the overview: its devices counted by state, and the tenants holding some. */
    public record NodeSummary(String node, boolean live, boolean noiommuEnabled, int devices,
            Map<DeviceState, Integer> byState, SortedSet<String> tenants) {}

    /** The newest items of a listing, newest first, and how many there are in all. */
    public record Newest<T>(List<T> items, long total) {}

    /**
     * The fleet at one instant: devices by state and node counts over the whole fleet, the first
     * {@code limit} nodes that match the filter (of {@code matching}), and the newest assignments and
     * events, of the filter's tenant when it names one.
     */
    public record Fleet(Instant at, long inventoryRevision, int nodes, int liveNodes, Map<DeviceState, Long> devicesByState,
            Map<AssignmentState, Long> assignmentsByState, List<NodeSummary> shown, int matching,
            Newest<Assignment> assignments, Newest<AuditEvent> events) {}

    /** One node in full, at one instant, with the state of each assignment holding one of its devices. */
    public record Node(NodeState state, Map<String, AssignmentState> ownerStates) {

        public DeviceState stateOf(TopologyDevice device) {
            Hold hold = state.hold(device.bdf()).orElse(null);
            return DeviceState.of(state.topology(), device, hold, hold == null ? null : ownerStates.get(hold.assignmentId()));
        }
    }

    public Fleet fleet(Caller caller, Filter filter, int limit) {
        requireFleetReader(caller);
        // The audit feed shows what committed before the request, as the assignment list does.
        audit.awaitLinked(AUDIT_WAIT);
        return snapshots.execute(status -> {
            List<NodeState> nodes = assignments.nodeStates(topologies.all());
            Map<String, AssignmentState> owners = assignments.statesOf(ownersOf(nodes));
            Map<DeviceState, Long> devices = new EnumMap<>(DeviceState.class);
            List<NodeSummary> shown = new ArrayList<>();
            int matching = 0;
            int live = 0;
            for (NodeState node : nodes) {
                NodeSummary summary = summary(new Node(node, owners));
                summary.byState().forEach((state, count) -> devices.merge(state, (long) count, Long::sum));
                live += node.topology().live() ? 1 : 0;
                if (matches(summary, filter)) {
                    matching++;
                    if (shown.size() < limit) {
                        shown.add(summary);
                    }
                }
            }
            Map<AssignmentState, Long> byState = assignments.countByState();
            Assignments.Filter ofTenant = new Assignments.Filter(filter.tenant(), null, null);
            Page<Assignment> newestAssignments = assignments.list(ofTenant, new Paging(0, 1));
            return new Fleet(Instant.now(), topologies.revision(), nodes.size(), live, devices, byState, shown, matching,
                    new Newest<>(assignments.newest(ofTenant, NEWEST), newestAssignments.total()),
                    newestEvents(filter.tenant()));
        });
    }

    public Node node(Caller caller, String name) {
        requireFleetReader(caller);
        return snapshots.execute(status -> {
            NodeTopology topology = topologies.find(name).orElseThrow(() -> new NotFound("no node " + name));
            NodeState state = assignments.nodeState(topology);
            return new Node(state, assignments.statesOf(ownersOf(List.of(state))));
        });
    }

    private static NodeSummary summary(Node node) {
        Map<DeviceState, Integer> byState = new EnumMap<>(DeviceState.class);
        SortedSet<String> tenants = new TreeSet<>();
        for (TopologyDevice device : node.state().topology().devices()) {
            byState.merge(node.stateOf(device), 1, Integer::sum);
            node.state().hold(device.bdf()).filter(hold -> hold.kind() == Hold.Kind.OWNER)
                    .ifPresent(hold -> tenants.add(hold.tenant()));
        }
        NodeTopology topology = node.state().topology();
        return new NodeSummary(topology.node(), topology.live(), topology.noiommuEnabled(), topology.devices().size(),
                byState, tenants);
    }

    private static boolean matches(NodeSummary node, Filter filter) {
        return (filter.nodePrefix() == null || node.node().startsWith(filter.nodePrefix()))
                && (filter.tenant() == null || node.tenants().contains(filter.tenant()))
                && (filter.state() == null || node.byState().containsKey(filter.state()));
    }

    private static void requireFleetReader(Caller caller) {
        if (caller.role() != Role.OPERATOR && caller.role() != Role.AUDITOR) {
            throw new AccessDenied("role " + caller.role().name().toLowerCase(Locale.ROOT)
                    + " may not see the whole fleet: the dashboard is for operators and auditors");
        }
    }

    private static Set<String> ownersOf(List<NodeState> nodes) {
        return nodes.stream().flatMap(node -> node.holds().values().stream())
                .filter(hold -> hold.kind() == Hold.Kind.OWNER)
                .map(Hold::assignmentId)
                .collect(Collectors.toSet());
    }

    /**
     * The newest audit events (of {@code tenant}, when not null): they lie on the last page of the log's
     * listing, oldest first, and, when that page is not full, on the one before.
     */
    private Newest<AuditEvent> newestEvents(String tenant) {
        AuditLog.Query query = new AuditLog.Query(null, tenant, null, null);
        Page<AuditEvent> first = audit.search(query, new Paging(0, NEWEST));
        List<AuditEvent> oldestFirst = new ArrayList<>();
        if (first.total() <= NEWEST) {
            oldestFirst.addAll(first.items());
        } else {
            int last = (int) ((first.total() - 1) / NEWEST);
            oldestFirst.addAll(last == 1 ? first.items() : audit.search(query, new Paging(last - 1, NEWEST)).items());
            oldestFirst.addAll(audit.search(query, new Paging(last, NEWEST)).items());
        }
        List<AuditEvent> newest = oldestFirst.subList(Math.max(0, oldestFirst.size() - NEWEST), oldestFirst.size());
        return new Newest<>(List.copyOf(newest.reversed()), first.total());
    }
}
