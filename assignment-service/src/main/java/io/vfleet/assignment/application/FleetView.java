package io.vfleet.assignment.application;

import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentChange;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.GroupIsolation;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.Placement;
import io.vfleet.assignment.domain.TopologyDevice;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The fleet as this replica knows it, in memory, for decisions, as a scheduler keeps its cache: each
 * node's topology, who holds each of its devices, which devices await a scrub, what each tenant holds,
 * and an index of free devices by PCI identity.
 *
 * <p>It is fed by the topology copy (the inventory's feed), by this replica's own commits as they
 * happen, and by the change log, which brings every replica's commits a moment later. It may be stale,
 * and that is allowed to cost a retry, never a double owner: the database decides every reservation (its
 * unique index on held devices), so a decision made here is only a proposal. A decision takes its devices
 * here at once ({@link #assume}), so that concurrent decisions of this replica do not propose the same
 * devices; the assumption is confirmed by the commit or dropped ({@link #forget}).
 *
 * <p>Several changes of one assignment are applied in revision order whichever way they come (the
 * commit's own report, the change log), and an older one after a newer one is ignored: the view keeps
 * per assignment the newest revision it applied, and a while after a terminal change its tombstone.
 *
 * <p>Cost: a decision looks at one node, or at the nodes the index says have enough free devices of the
 * asked identity, fullest first, until one fits (and a few more, for a better one): never at every node.
 * Each update costs the devices of one node. Lock: {@code this}, held for each operation, never across a
 * call out.
 */
public final class FleetView {

    /** Placement's order of choices, but for the node name: among nodes, the index's order (fullest first) decides. */
    private static final java.util.Comparator<Placement.Choice> FEWER_SHARED_THEN_EXTRA =
            java.util.Comparator.comparingInt(Placement.Choice::sharedResetSets).thenComparingInt(Placement.Choice::extraDevices);

    /** How many nodes that fit a request are compared before the best of them is taken. */
    static final int FITS_COMPARED = 8;

    /** The revision of what was read from the database rather than from the log: older than any change. */
    private static final long READ_FROM_DATABASE = 1;

    /** How long a terminal assignment's tombstone stays, against a late older change. */
    private static final Duration TOMBSTONE = Duration.ofMinutes(2);

    private final Map<String, NodeEntry> nodes = new HashMap<>();
    private final Map<String, Known> assignments = new HashMap<>();
    /** The terminal assignments' tombstones in the order they were laid, so the oldest first. */
    private final ArrayDeque<Tombstone> tombstones = new ArrayDeque<>();
    private final Map<String, Integer> devicesByTenant = new HashMap<>();
    private final FreeDeviceIndex index = new FreeDeviceIndex();
    /** Nodes whose holds here look inconsistent (a scrub pending in a closed reset set): read them again. */
    private final Set<String> suspect = new HashSet<>();

    /** One node: its topology and the inventory revision of it, each device's holders (assignment id → hold), scrubs pending. */
    private static final class NodeEntry {
        NodeTopology topology;
        /** The topology's assignable devices in viable groups: those that are free unless held. */
        List<TopologyDevice> assignable;
        long revision;
        final Map<String, Map<String, Hold>> holders = new HashMap<>();
        final Map<String, String> scrubPending = new HashMap<>();

        NodeEntry(NodeTopology topology) {
            use(topology);
        }

        void use(NodeTopology topology) {
            this.topology = topology;
            Map<Integer, Boolean> viable = new HashMap<>();
            this.assignable = topology.devices().stream().filter(device -> device.assignable()
                    && viable.computeIfAbsent(device.iommuGroup(), group -> GroupIsolation.isViable(group, topology))).toList();
        }
    }

    /**
     * What the view applied of one assignment: the revision (0 while only assumed), where and whose,
     * its devices while it holds them, and when it became terminal (its tombstone's age).
     */
    private record Known(long revision, String node, String tenant, List<String> devices, boolean holds,
            Instant terminalSince) {

        boolean assumed() {
            return revision == 0;
        }
    }

    private record Tombstone(String assignmentId, Instant since) {}

    // ---- the topology ------------------------------------------------------------------------------

    /** Replaces everything: topologies, holds (as read from the database at one instant) and scrubs. */
    public synchronized void load(Collection<NodeTopology> topologies, Collection<NodeState> states) {
        nodes.clear();
        assignments.clear();
        tombstones.clear();
        devicesByTenant.clear();
        index.clear();
        suspect.clear();
        topologies.forEach(topology -> nodes.put(topology.node(), new NodeEntry(topology)));
        for (NodeState state : states) {
            NodeEntry entry = nodes.computeIfAbsent(state.node(), ignored -> new NodeEntry(state.topology()));
            fill(entry, state);
        }
        nodes.keySet().forEach(this::reindex);
    }

    /**
     * The node's topology as the inventory's {@code revision} describes it; the holds on its devices stay.
     * An older revision than the one applied changes nothing.
     */
    public synchronized void replaceNode(NodeTopology topology, long revision) {
        NodeEntry entry = nodes.get(topology.node());
        if (entry == null) {
            entry = new NodeEntry(topology);
            nodes.put(topology.node(), entry);
        } else if (revision < entry.revision) {
            return;
        }
        entry.use(topology);
        entry.revision = revision;
        reindex(topology.node());
    }

    public synchronized void removeNode(String node) {
        nodes.remove(node);
        index.remove(node);
    }

    public synchronized Optional<NodeTopology> topology(String node) {
        return Optional.ofNullable(nodes.get(node)).map(entry -> entry.topology);
    }

    /** The node as the rules read it: its topology, holds and scrubs pending here, now. */
    public synchronized Optional<NodeState> nodeState(String node) {
        return Optional.ofNullable(nodes.get(node)).map(entry -> stateOf(entry, Set.of()));
    }

    /**
     * The node's holds and scrubs as just read from the database. Holds of assignments this view has
     * from commits or the log stay, as does every assumption: the read may be older than those, and a
     * release among them comes through the log anyway. Holds of assignments the view knows ended are not
     * taken back from a read that may predate their end.
     */
    public synchronized void refresh(NodeState fromDatabase) {
        NodeEntry entry = nodes.get(fromDatabase.node());
        if (entry == null) {
            return;
        }
        Map<String, Map<String, Hold>> kept = new HashMap<>();
        entry.holders.forEach((bdf, holders) -> holders.forEach((assignment, hold) -> {
            Known known = assignments.get(assignment);
            if (known != null && known.holds() && known.revision() != READ_FROM_DATABASE) {
                kept.computeIfAbsent(bdf, ignored -> new HashMap<>()).put(assignment, hold);
            }
        }));
        new ArrayList<>(entry.holders.keySet()).forEach(bdf ->
                new ArrayList<>(entry.holders.get(bdf).keySet()).forEach(assignment -> unhold(entry, bdf, assignment)));
        entry.scrubPending.clear();
        Map<String, Hold> read = new HashMap<>(fromDatabase.holds());
        read.values().removeIf(hold -> {
            Known known = assignments.get(hold.assignmentId());
            return known != null && !known.holds();
        });
        fill(entry, new NodeState(fromDatabase.topology(), read, fromDatabase.scrubPendingFrom()));
        kept.forEach((bdf, holders) -> holders.values().forEach(hold -> hold(entry, hold)));
        suspect.remove(fromDatabase.node());
        reindex(fromDatabase.node());
    }

    /** Nodes to read again from the database, and forgets them: {@link #refresh} is expected for each. */
    public synchronized Set<String> takeSuspects() {
        Set<String> taken = Set.copyOf(suspect);
        suspect.clear();
        return taken;
    }

    // ---- decisions ---------------------------------------------------------------------------------

    /** What a tenant holds here: owner holds standing or assumed. */
    public synchronized int devicesOf(String tenant) {
        return devicesByTenant.getOrDefault(tenant, 0);
    }

    /**
     * Chooses devices for the request over the fleet (or on {@code node} only, when not null), never
     * the {@code excluded} devices (lost in an earlier attempt), and assumes them for {@code assignmentId}.
     *
     * @throws AssignmentRefused NO_MATCHING_DEVICE or NODE_UNREACHABLE, as {@link Placement} refuses
     */
    public synchronized Placement.Choice place(String assignmentId, Placement.Request request, String node,
            Map<String, Set<String>> excluded) {
        Placement.Choice chosen = node != null ? onOneNode(request, node, excluded) : overTheFleet(request, excluded);
        NodeEntry entry = nodes.get(chosen.node());
        assume(assignmentId, request.tenant(), entry, chosen.devices());
        return chosen;
    }

    /** Takes named devices for the assignment until its reservation commits or is {@linkplain #forget forgotten}. */
    public synchronized void assume(String assignmentId, String tenant, String node, List<String> devices) {
        NodeEntry entry = nodes.get(node);
        if (entry != null) {
            assume(assignmentId, tenant, entry, devices);
        }
    }

    /** Drops an assumption whose reservation did not commit; a committed one is left as it is. */
    public synchronized void forget(String assignmentId) {
        Known known = assignments.get(assignmentId);
        if (known == null || !known.assumed()) {
            return;
        }
        assignments.remove(assignmentId);
        NodeEntry entry = nodes.get(known.node());
        if (entry != null) {
            known.devices().forEach(bdf -> unhold(entry, bdf, assignmentId));
            reindex(known.node());
        }
    }

    private Placement.Choice onOneNode(Placement.Request request, String node, Map<String, Set<String>> excluded) {
        NodeEntry entry = nodes.get(node);
        if (entry == null) {
            throw AssignmentRefused.because(new io.vfleet.assignment.domain.Violation(
                    io.vfleet.assignment.domain.Violation.Rule.NO_MATCHING_DEVICE, null, "no node " + node + " is known"));
        }
        NodeState state = stateOf(entry, excluded.getOrDefault(node, Set.of()));
        if (!entry.topology.live()) {
            throw Placement.refusal(request, 1, List.of(node));
        }
        return Placement.onNode(request, state).orElseThrow(() -> Placement.refusal(request, 1, List.of()));
    }

    private Placement.Choice overTheFleet(Placement.Request request, Map<String, Set<String>> excluded) {
        Placement.Choice best = null;
        int fits = 0;
        for (Iterator<String> candidates = index.candidates(request.selector()); candidates.hasNext() && fits < FITS_COMPARED; ) {
            NodeEntry entry = nodes.get(candidates.next());
            Optional<Placement.Choice> choice = Placement.onNode(request,
                    stateOf(entry, excluded.getOrDefault(entry.topology.node(), Set.of())));
            if (choice.isEmpty()) {
                continue;
            }
            fits++;
            // On a tie the fuller node, which the index gave first, keeps the emptier ones for larger requests.
            if (best == null || FEWER_SHARED_THEN_EXTRA.compare(choice.get(), best) < 0) {
                best = choice.get();
            }
            if (Placement.isPerfect(best)) {
                break;
            }
        }
        if (best != null) {
            return best;
        }
        List<String> unreachable = new ArrayList<>();
        boolean anyLive = nodes.values().stream().anyMatch(entry -> entry.topology.live());
        if (!anyLive) {
            nodes.keySet().stream().sorted().forEach(unreachable::add);
        }
        throw Placement.refusal(request, nodes.size(), unreachable);
    }

    private void assume(String assignmentId, String tenant, NodeEntry entry, List<String> devices) {
        assignments.put(assignmentId, new Known(0, entry.topology.node(), tenant, List.copyOf(devices), true, null));
        devices.forEach(bdf -> hold(entry, new Hold(bdf, tenant, assignmentId, Hold.Kind.OWNER)));
        reindex(entry.topology.node());
    }

    // ---- changes -----------------------------------------------------------------------------------

    /**
     * Applies a committed change, unless a newer one of the same assignment was applied already. Changes
     * of one revision (one transaction that changed the assignment twice, reported in order) are applied
     * each, the last one winning, and so is the same change twice.
     */
    public synchronized void apply(AssignmentChange change) {
        Assignment assignment = change.assignment();
        Known known = assignments.get(assignment.id());
        if (known != null && known.revision() > change.revision()) {
            return;
        }
        if (known != null && known.holds()) {
            NodeEntry previous = nodes.get(known.node());
            if (previous != null) {
                known.devices().forEach(bdf -> unhold(previous, bdf, assignment.id()));
                reindex(known.node());
            }
        }
        boolean holds = assignment.state().holdsDevices();
        List<String> devices = assignment.devices().stream().map(AssignedDevice::bdf).toList();
        Instant terminalSince = holds ? null : Instant.now();
        assignments.put(assignment.id(), new Known(change.revision(), assignment.node(), assignment.tenant(),
                holds ? devices : List.of(), holds, terminalSince));
        if (terminalSince != null) {
            tombstones.addLast(new Tombstone(assignment.id(), terminalSince));
        }
        NodeEntry entry = nodes.get(assignment.node());
        if (entry == null) {
            return;
        }
        if (holds) {
            devices.forEach(bdf -> hold(entry, new Hold(bdf, assignment.tenant(), assignment.id(), Hold.Kind.OWNER)));
        }
        change.scrubPending().forEach(bdf -> entry.scrubPending.put(bdf, assignment.tenant()));
        change.scrubbed().forEach(entry.scrubPending::remove);
        if (!entry.scrubPending.isEmpty() && scrubLooksStale(entry)) {
            suspect.add(assignment.node());
        }
        reindex(assignment.node());
    }

    /** These devices of the node were scrubbed (a reset reached them): they await nothing any more. */
    public synchronized void scrubbed(String node, Set<String> devices) {
        NodeEntry entry = nodes.get(node);
        if (entry != null) {
            devices.forEach(entry.scrubPending::remove);
            reindex(node);
        }
    }

    /**
     * Drops tombstones older than {@link #TOMBSTONE}, which no late change can need any more: only those,
     * oldest first, not a walk over every assignment the view knows.
     */
    public synchronized void forgetTombstones(Instant now) {
        while (!tombstones.isEmpty() && Duration.between(tombstones.peekFirst().since(), now).compareTo(TOMBSTONE) > 0) {
            Tombstone old = tombstones.removeFirst();
            // The same terminal change applied again laid a younger tombstone, which keeps the entry.
            assignments.computeIfPresent(old.assignmentId(), (id, known) -> old.since().equals(known.terminalSince()) ? null : known);
        }
    }

    /**
     * Whether a scrub pending here sits in a reset set with no owner any more: the release that closed
     * the set reports it scrubbed, but changes of two assignments may come in another order than they
     * committed, so the view may have kept a scrub the database has cleared.
     */
    private static boolean scrubLooksStale(NodeEntry entry) {
        for (String bdf : entry.scrubPending.keySet()) {
            Optional<TopologyDevice> device = entry.topology.device(bdf);
            if (device.isEmpty()) {
                continue;
            }
            boolean open = entry.topology.resetSetMembers(device.get().resetSet()).stream()
                    .anyMatch(member -> entry.holders.getOrDefault(member.bdf(), Map.of()).values().stream()
                            .anyMatch(hold -> hold.kind() == Hold.Kind.OWNER));
            if (!open) {
                return true;
            }
        }
        return false;
    }

    // ---- bookkeeping -------------------------------------------------------------------------------

    /**
     * Adds the owner holds and scrubs of a database read. An assignment first heard of this way is known
     * at revision {@link #READ_FROM_DATABASE}, below any change of the log, so that the log's changes,
     * which may be newer than the read, are applied over it.
     */
    private void fill(NodeEntry entry, NodeState state) {
        Map<String, List<String>> devicesByAssignment = new HashMap<>();
        for (Hold hold : state.holds().values()) {
            if (hold.kind() == Hold.Kind.OWNER) {
                hold(entry, hold);
                devicesByAssignment.computeIfAbsent(hold.assignmentId(), ignored -> new ArrayList<>()).add(hold.bdf());
            }
        }
        devicesByAssignment.forEach((assignment, devices) -> {
            if (!assignments.containsKey(assignment)) {
                String tenant = state.holds().get(devices.getFirst()).tenant();
                assignments.put(assignment, new Known(READ_FROM_DATABASE, state.node(), tenant, List.copyOf(devices), true, null));
            }
        });
        entry.scrubPending.putAll(state.scrubPendingFrom());
    }

    private void hold(NodeEntry entry, Hold hold) {
        Hold earlier = entry.holders.computeIfAbsent(hold.bdf(), ignored -> new LinkedHashMap<>()).put(hold.assignmentId(), hold);
        if (earlier == null && hold.kind() == Hold.Kind.OWNER) {
            count(hold.tenant(), 1);
        }
    }

    private void unhold(NodeEntry entry, String bdf, String assignmentId) {
        Map<String, Hold> holders = entry.holders.get(bdf);
        if (holders == null) {
            return;
        }
        Hold removed = holders.remove(assignmentId);
        if (holders.isEmpty()) {
            entry.holders.remove(bdf);
        }
        if (removed != null && removed.kind() == Hold.Kind.OWNER) {
            count(removed.tenant(), -1);
        }
    }

    private void count(String tenant, int delta) {
        devicesByTenant.merge(tenant, delta, Integer::sum);
        if (devicesByTenant.get(tenant) <= 0) {
            devicesByTenant.remove(tenant);
        }
    }

    /** The node as the rules read it, with {@code excluded} devices counted as held. */
    private static NodeState stateOf(NodeEntry entry, Set<String> excluded) {
        Map<String, Hold> holds = new HashMap<>();
        entry.holders.forEach((bdf, holders) -> {
            if (!holders.isEmpty()) {
                holds.put(bdf, holders.values().iterator().next());
            }
        });
        for (String bdf : excluded) {
            holds.putIfAbsent(bdf, new Hold(bdf, "", "lost to a concurrent reservation", Hold.Kind.FENCE));
        }
        return new NodeState(entry.topology, holds, entry.scrubPending);
    }

    /** Indexes the node's free devices by identity: assignable, in a viable group, held by nobody. */
    private void reindex(String node) {
        NodeEntry entry = nodes.get(node);
        if (entry == null || !entry.topology.live()) {
            index.remove(node);
            return;
        }
        Map<TopologyDevice.PciId, Integer> free = new HashMap<>();
        for (TopologyDevice device : entry.assignable) {
            if (!entry.holders.containsKey(device.bdf())) {
                free.merge(device.id(), 1, Integer::sum);
            }
        }
        index.put(node, free);
    }
}
