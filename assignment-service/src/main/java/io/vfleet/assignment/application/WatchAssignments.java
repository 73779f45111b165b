package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.transaction.support.TransactionOperations;

/**
 * List-then-watch of assignments, as orchestrators follow them (the way the inventory's ListAndWatch
 * and Kubernetes informers work): the live assignments at a position, then every change after it, a
 * whole revision at a time. A watcher that lost its stream continues from the last position it was
 * given and misses nothing, sees nothing twice; one whose position the log no longer covers is told to
 * list again ({@link RelistRequired}).
 *
 * <p>Every caller may watch what it may read: a tenant-scoped caller its tenant's assignments only.
 * Watchers read this replica's {@link RecentChanges}, or the log itself when they are further behind.
 */
public final class WatchAssignments {

    /** How many changes a watcher that is behind reads from the log at once. */
    private static final int READ_AT_ONCE = 1_000;

    private final TransactionOperations reads;
    private final AssignmentChangeLog log;
    private final RecentChanges recent;

    public WatchAssignments(TransactionOperations reads, AssignmentChangeLog log, RecentChanges recent) {
        this.reads = reads;
        this.log = log;
        this.recent = recent;
    }

    /** One revision's changes, as the watcher may see them. */
    public record Changed(long revision, List<Assignment> assignments) {}

    /**
     * What a watcher is given next: whole revisions (possibly none), its position after them, and whether
     * to tell it that position now: it was told nothing for {@link #BOOKMARK} while only changes it may not
     * see went by, and should resume from there rather than from further back.
     */
    public record Step(List<Changed> changed, long position, boolean bookmark) {}

    /** How long a watcher that is shown nothing goes without hearing its position. */
    static final Duration BOOKMARK = Duration.ofSeconds(10);

    /**
     * The live assignments of {@code tenant} (every tenant the caller may see, when null), at the position
     * to watch from.
     */
    public AssignmentChangeLog.Listing list(Caller caller, String tenant) {
        Scope scope = Scope.of(caller, tenant);
        if (scope.nothing()) {
            return new AssignmentChangeLog.Listing(reads.execute(status -> log.position()), List.of());
        }
        return reads.execute(status -> log.live(scope.tenant()));
    }

    /**
     * Follows the changes after {@code position}, a position this service gave: a listing's, or the last
     * one a watch gave.
     *
     * @throws RelistRequired  when the changes after {@code position} are no longer kept
     * @throws InvalidRequest  when {@code position} is ahead of the log
     */
    public Watch watch(Caller caller, String tenant, long position) {
        Scope scope = Scope.of(caller, tenant);
        long newest = reads.execute(status -> log.position());
        if (position > newest) {
            throw new InvalidRequest("resume_after_revision", "revision " + position
                    + " is ahead of the newest this service has given, " + newest);
        }
        requireResumable(position);
        return new Watch(scope, position);
    }

    private void requireResumable(long position) {
        long oldest = reads.execute(status -> log.oldestResumable());
        if (position < oldest) {
            throw new RelistRequired(position, oldest);
        }
    }

    /** Whose assignments a watcher sees: every tenant's (null), one tenant's, or none (another tenant's, asked by a scoped caller). */
    private record Scope(String tenant, boolean nothing) {

        static Scope of(Caller caller, String tenant) {
            if (caller.tenant() == null) {
                return new Scope(tenant, false);
            }
            return new Scope(caller.tenant(), tenant != null && !tenant.equals(caller.tenant()));
        }

        boolean sees(Assignment assignment) {
            return !nothing && (tenant == null || tenant.equals(assignment.tenant()));
        }
    }

    /** One watcher's position in the log. Used by one thread at a time. */
    public final class Watch {

        private final Scope scope;
        private long position;
        private long told;
        private long toldAt = System.nanoTime();

        private Watch(Scope scope, long position) {
            this.scope = scope;
            this.position = position;
            this.told = position;
        }

        public long position() {
            return position;
        }

        /**
         * The next revisions' changes this watcher may see, waiting up to {@code wait} when there is
         * nothing new; the position may move with nothing to see (others' changes), which a watcher passes
         * on as a bookmark so that it resumes from there.
         *
         * @throws RelistRequired when this watcher is so far behind that the log no longer covers its position
         */
        public Step next(Duration wait) throws InterruptedException {
            Optional<RecentChanges.Read> fromMemory = recent.after(position, wait);
            List<AssignmentChange> changes;
            long to;
            if (fromMemory.isPresent()) {
                changes = fromMemory.get().changes();
                to = fromMemory.get().position();
            } else {
                long from = position;
                AssignmentChangeLog.Batch batch = reads.execute(status -> log.after(from, READ_AT_ONCE));
                // Checked after reading: a compaction that committed before the read shows here, and one
                // after it removed nothing this read needed.
                requireResumable(position);
                changes = batch.changes();
                to = batch.position();
            }
            List<Changed> changed = new ArrayList<>();
            for (AssignmentChange change : changes) {
                if (!scope.sees(change.assignment())) {
                    continue;
                }
                if (!changed.isEmpty() && changed.getLast().revision() == change.revision()) {
                    changed.getLast().assignments().add(change.assignment());
                } else {
                    changed.add(new Changed(change.revision(), new ArrayList<>(List.of(change.assignment()))));
                }
            }
            position = Math.max(position, to);
            long now = System.nanoTime();
            if (!changed.isEmpty()) {
                told = changed.getLast().revision();
                toldAt = now;
            }
            boolean bookmark = changed.isEmpty() && position > told && now - toldAt > BOOKMARK.toNanos();
            if (bookmark) {
                told = position;
                toldAt = now;
            }
            return new Step(changed.stream().map(each -> new Changed(each.revision(), List.copyOf(each.assignments()))).toList(),
                    position, bookmark);
        }
    }
}
