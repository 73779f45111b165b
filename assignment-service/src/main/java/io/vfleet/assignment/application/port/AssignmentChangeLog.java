package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentChange;
import java.time.Instant;
import java.util.List;

/**
 * The log of every assignment change, which every replica writes ({@link Assignments}) and follows.
 *
 * <p>A change is readable once every transaction older than the one that wrote it has ended, so a
 * reader that continues from the position of its last batch never misses a change that commits later:
 * anything still to come has a revision above that position.
 */
public interface AssignmentChangeLog {

    /**
     * Changes in revision order, whole revisions at a time, and the position to continue from: the last
     * revision read, or higher when the log has nothing more below its horizon.
     */
    record Batch(List<AssignmentChange> changes, long position) {

        public Batch {
            changes = List.copyOf(changes);
        }
    }

    /** The live assignments (neither RELEASED nor FAILED) as the log has them at a position: a watcher's list. */
    record Listing(long position, List<Assignment> assignments) {

        public Listing {
            assignments = List.copyOf(assignments);
        }
    }

    /** The changes after revision {@code after}: at most about {@code limit} of them. */
    Batch after(long after, int limit);

    /** The position from which a reader that has just read the current state misses nothing. */
    long position();

    /**
     * Every live assignment (of {@code tenant}, or of every tenant when null) exactly as the log has it at
     * the returned position: a watcher that continues from there misses no change and sees none twice.
     */
    Listing live(String tenant);

    /** The oldest position a reader may continue from: every change after it is still in the log. */
    long oldestResumable();

    /**
     * Compacts the log: deletes what was recorded before {@code recordedBefore} and no listing needs any
     * more (a change a newer one of its assignment, also that old, supersedes; the changes of an assignment
     * that ended that long ago), and moves the oldest resumable position past it. Answers how many went.
     */
    int prune(Instant recordedBefore);
}
