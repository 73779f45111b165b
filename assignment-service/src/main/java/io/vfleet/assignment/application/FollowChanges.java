package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Keeps this replica's {@link FleetView} in step with the database: loads it whole on start, then
 * follows the change log, which brings what every replica committed, and reads again the nodes the
 * view finds doubtful. What it reads also goes to {@link RecentChanges}, where this replica's watchers
 * read it, and once a minute it compacts the log of what is older than the retention. Called on a
 * schedule, and by a decision that found nothing free and wants to be sure it missed no release.
 *
 * <p>One reader at a time ({@code this}); the view has its own lock for the decisions that read it meanwhile.
 */
public final class FollowChanges {

    private static final Logger log = LoggerFactory.getLogger(FollowChanges.class);

    /** How many changes one read takes at most. */
    static final int BATCH = 2_000;

    /** How often the log is compacted. */
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(1);

    private final TransactionOperations reads;
    private final AssignmentChangeLog changes;
    private final Assignments assignments;
    private final Topologies topologies;
    private final FleetView view;
    private final RecentChanges recent;
    private final Duration retention;
    private long position;
    private Instant prunedAt = Instant.MIN;

    /** @param retention how long the log keeps every change, so that a watcher may resume within it */
    public FollowChanges(TransactionOperations reads, AssignmentChangeLog changes, Assignments assignments,
            Topologies topologies, FleetView view, RecentChanges recent, Duration retention) {
        this.recent = recent;
        this.retention = retention;
        this.reads = reads;
        this.changes = changes;
        this.assignments = assignments;
        this.topologies = topologies;
        this.view = view;
    }

    public FleetView view() {
        return view;
    }

    /**
     * Loads the whole fleet from the database. The log's position is taken first, so that every change
     * that commits while the state is read comes again from the log, where the view sorts it by revision.
     */
    public synchronized void load() {
        long from = reads.execute(status -> changes.position());
        reads.executeWithoutResult(status -> {
            List<NodeTopology> all = topologies.all();
            view.load(all, assignments.nodeStates(all));
        });
        position = from;
        recent.restart(from);
        log.atDebug().log(() -> "fleet view loaded at change log position " + from);
    }

    /** Applies what the log has after the last read, and reads the nodes the view doubts again; answers how many changes. */
    public synchronized int catchUp() {
        int applied = 0;
        AssignmentChangeLog.Batch batch;
        do {
            long after = position;
            batch = reads.execute(status -> changes.after(after, BATCH));
            batch.changes().forEach(view::apply);
            recent.append(batch.changes(), batch.position());
            applied += batch.changes().size();
            position = batch.position();
        } while (batch.changes().size() >= BATCH / 2);
        for (String node : view.takeSuspects()) {
            refresh(node);
        }
        Instant now = Instant.now();
        view.forgetTombstones(now);
        if (Duration.between(prunedAt, now).compareTo(PRUNE_EVERY) >= 0) {
            prunedAt = now;
            int pruned = reads.execute(status -> changes.prune(now.minus(retention)));
            if (pruned > 0) {
                log.atDebug().log(() -> "compacted " + pruned + " change(s) older than " + retention + " out of the change log");
            }
        }
        return applied;
    }

    /** Reads the node's holds and scrubs from the database into the view. */
    public void refresh(String node) {
        view.topology(node).ifPresent(topology -> {
            NodeState committed = reads.execute(status -> assignments.nodeState(topology));
            view.refresh(committed);
        });
    }

    /** The position in the change log up to which the view has applied every change. */
    public synchronized long position() {
        return position;
    }
}
