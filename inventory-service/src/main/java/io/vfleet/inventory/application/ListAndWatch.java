package io.vfleet.inventory.application;

import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.InventorySnapshot;
import io.vfleet.inventory.domain.RelistRequired;
import io.vfleet.inventory.domain.Revision;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A watcher lists the whole inventory at a revision, then follows the changes after it, the way a
 * Kubernetes informer does; a watcher that lost its stream resumes from the last revision it applied.
 * Only orchestrators and operators may watch.
 *
 * <p>A resumed watch is refused with {@link RelistRequired} when the log no longer holds every change
 * after the asked revision, and a watch in progress ends the same way if it falls that far behind.
 */
public final class ListAndWatch {
    /** Changes are read at most this many revisions at a time, so one slow watcher never reads the whole log. */
    private static final int REVISIONS_PER_READ = 256;

    private final Nodes nodes;
    private final ChangeLog changeLog;
    private final TransactionTemplate snapshotTransactions;
    private final CommittedRevision committedRevision;
    private final AtomicInteger watchers = new AtomicInteger();

    /**
     * @param snapshotTransactions read-only and repeatable-read, so that one snapshot is one revision
     */
    public ListAndWatch(RegisterNode.Collaborators collaborators, TransactionTemplate snapshotTransactions, MeterRegistry meters) {
        this.nodes = collaborators.nodes();
        this.changeLog = collaborators.changeLog();
        this.committedRevision = collaborators.committedRevision();
        this.snapshotTransactions = snapshotTransactions;
        meters.gauge("vfleet.inventory.watchers", watchers);
    }

    /** The whole inventory at the newest committed revision. */
    public InventorySnapshot list(Caller caller) {
        caller.requireRole(Role.ORCHESTRATOR, Role.OPERATOR, Role.CONTROLLER);
        return snapshotTransactions.execute(status ->
                new InventorySnapshot(changeLog.current(), nodes.all(), nodes.allDevices()));
    }

    /**
     * Follows the changes after {@code from}, which the caller has already applied: the revision of a list
     * or of the last change it received.
     *
     * @throws RelistRequired           when changes after {@code from} are no longer kept
     * @throws IllegalArgumentException when {@code from} is newer than any committed revision
     */
    public Watch watch(Caller caller, Revision from) {
        caller.requireRole(Role.ORCHESTRATOR, Role.OPERATOR, Role.CONTROLLER);
        Revision current = changeLog.current();
        if (current.isBefore(from)) {
            throw new IllegalArgumentException("revision " + from + " is newer than the inventory's newest, " + current);
        }
        requireResumable(from);
        return new Watch(from);
    }

    public int watchers() {
        return watchers.get();
    }

    private void requireResumable(Revision from) {
        Revision oldest = changeLog.oldestResumable();
        if (from.isBefore(oldest)) {
            throw new RelistRequired(from, oldest);
        }
    }

    /** One watcher's position in the change log. Used by one thread at a time; close it when the watcher leaves. */
    public final class Watch implements AutoCloseable {
        private Revision position;
        private boolean closed;

        private Watch(Revision from) {
            this.position = from;
            watchers.incrementAndGet();
        }

        /** The revision of the last change handed out, or the starting revision. */
        public Revision position() {
            return position;
        }

        /**
         * The next changes in revision order, whole revisions at a time; waits up to {@code maxWait} for
         * one and answers empty if none came.
         *
         * @throws RelistRequired when the log was trimmed past this watcher's position
         */
        public List<Change> next(Duration maxWait) throws InterruptedException {
            List<Change> changes = read();
            if (!changes.isEmpty()) {
                return changes;
            }
            committedRevision.awaitAfter(position, maxWait);
            return read();
        }

        private List<Change> read() {
            List<Change> changes = changeLog.after(position, REVISIONS_PER_READ);
            // Checked after reading: a trim that committed before the read shows here, and one after it
            // removed nothing this read needed.
            requireResumable(position);
            if (!changes.isEmpty()) {
                Revision first = changes.getFirst().revision();
                if (!first.equals(position.next())) {
                    throw new AssertionError("revisions are dense, but after " + position + " came " + first);
                }
                position = changes.getLast().revision();
            }
            return changes;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                watchers.decrementAndGet();
            }
        }
    }
}
