package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentChange;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TenantUsage;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Optional;

/**
 * Where assignments and the holds on devices live. Every method runs in the caller's transaction;
 * the store, not Java, decides which of two concurrent reservations of a device wins.
 *
 * <p>Every change of an assignment is also written to the change log ({@link AssignmentChangeLog}) in
 * the same transaction. A transaction that changes an existing assignment takes its row first
 * ({@link #lock}, or the compare-and-set {@link #update(AssignmentState, Assignment, AuditEvent)}), before any other
 * write: that is what orders one assignment's changes in the log.
 *
 * <p>Every change of an assignment is recorded by an audit event, written by the very statement that
 * stores the change: one trip to the store for both, and never one without the other.
 */
public interface Assignments {

    /** What to list: each filter null for any. */
    record Filter(String tenant, String node, AssignmentState state) {}

    /**
     * Records a new assignment (PREPARING, or REQUESTED) holding its devices, counts them against the
     * tenant's quota, and logs the change: all of it, or nothing.
     *
     * @throws DevicesTaken      naming the devices another assignment or a reset holds already, or that await
     *                           another tenant's scrub (the race was lost)
     * @param recorded         the audit event of the reservation
     * @throws AssignmentRefused QUOTA, when the tenant would hold more devices than {@code policy} allows
     */
    Assignment reserve(Assignment requested, TenantPolicy policy, AuditEvent recorded);

    Optional<Assignment> find(String id);

    /** The assignment, locked until the end of the transaction so that its state moves one way at a time. */
    Optional<Assignment> lock(String id);

    /**
     * Stores a changed assignment, {@linkplain #lock locked} by the caller, with the audit event that
     * records the change; a terminal state lets go of its devices.
     */
    Assignment update(Assignment changed, AuditEvent recorded);

    /**
     * Stores {@code changed}, with its audit event, only if the assignment is still in state
     * {@code expected}, taking its row: empty, and nothing stored, when another step moved it on first.
     */
    default Optional<Assignment> update(AssignmentState expected, Assignment changed, AuditEvent recorded) {
        return update(expected, changed, AssignmentChange.Scrubs.NONE, recorded);
    }

    /** The same, with what the change did to the scrub bookkeeping of the node (a release). */
    Optional<Assignment> update(AssignmentState expected, Assignment changed, AssignmentChange.Scrubs scrubs,
            AuditEvent recorded);

    Page<Assignment> list(Filter filter, Paging paging);

    /** The {@code limit} newest assignments of the filter, newest first. */
    List<Assignment> newest(Filter filter, int limit);

    /** How many assignments are in each state (states with none left out). */
    Map<AssignmentState, Long> countByState();

    /** The state of each of these assignments that exists. */
    Map<String, AssignmentState> statesOf(Collection<String> ids);

    /**
     * The assignments of a node that are not RELEASED or FAILED and that no live run of the service is
     * driving: last changed before {@code changedBefore}, or last changed by a run that has died.
     */
    List<Assignment> unfinishedOn(String node, Instant changedBefore);

    /** The node's holds and scrubs pending, as committed now. */
    NodeState nodeState(NodeTopology topology);

    /** Every node's holds and scrubs pending, as committed now: for the fleet view's first load. */
    List<NodeState> nodeStates(List<NodeTopology> topologies);

    TenantUsage usage(String tenant);

    /**
     * Fences the free devices for a reset by the assignment (a hot reset, or the set reset of its
     * release's scrub); false when one was taken meanwhile (nothing fenced).
     */
    boolean fence(Assignment resetting, List<String> devices);

    /** The devices the assignment fences now, in BDF order. */
    List<String> fencedBy(String assignmentId);

    void unfence(String assignmentId);

    /**
     * Clears the scrubs pending on these devices of the node: a reset reached them. Not a change of an
     * assignment, so not in the change log: other replicas' fleet views keep the scrub (which only makes
     * them more careful) until they read the node again.
     */
    void clearScrubPending(String node, Set<String> devices);

    /**
     * Lifts fences of resets that never finished and that started before {@code startedBefore} or by a
     * run that has died; the devices lifted.
     */
    List<String> unfenceAbandoned(String node, Instant startedBefore);
}
