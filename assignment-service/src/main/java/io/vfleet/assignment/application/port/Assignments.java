package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TenantUsage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where assignments and the holds on devices live. Every method runs in the caller's transaction;
 * the store, not Java, decides which of two concurrent reservations of a device wins.
 */
public interface Assignments {

    /** What to list: each filter null for any. */
    record Filter(String tenant, String node, AssignmentState state) {}

    /**
     * Records a REQUESTED assignment holding its devices.
     *
     * @throws DevicesTaken naming the devices another assignment or a reset holds already
     */
    Assignment reserve(Assignment requested);

    Optional<Assignment> find(String id);

    /** The assignment, locked until the end of the transaction so that its state moves one way at a time. */
    Optional<Assignment> lock(String id);

    /** Stores a changed assignment; a terminal state lets go of its devices. */
    Assignment update(Assignment changed);

    Page<Assignment> list(Filter filter, Paging paging);

    /** The assignments of a node that are not RELEASED or FAILED, and last changed before {@code changedBefore}. */
    List<Assignment> unfinishedOn(String node, Instant changedBefore);

    NodeState nodeState(NodeTopology topology);

    TenantUsage usage(String tenant);

    /**
     * Fences the free devices for a reset by the assignment (a hot reset, or the set reset of its
     * release's scrub); false when one was taken meanwhile (nothing fenced).
     */
    boolean fence(Assignment resetting, List<String> devices);

    /** The devices the assignment fences now, in BDF order. */
    List<String> fencedBy(String assignmentId);

    void unfence(String assignmentId);

    /** Lifts fences of resets that started before {@code startedBefore} and never finished; the devices lifted. */
    List<String> unfenceAbandoned(String node, Instant startedBefore);

    void markScrubPending(String node, Map<String, String> tenantByDevice);

    void clearScrubPending(String node, Set<String> devices);
}
