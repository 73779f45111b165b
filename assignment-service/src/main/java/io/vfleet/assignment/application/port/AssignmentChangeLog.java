package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.AssignmentChange;
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

    /** The changes after revision {@code after}: at most about {@code limit} of them. */
    Batch after(long after, int limit);

    /** The position from which a reader that has just read the current state misses nothing. */
    long position();
}
