package io.vfleet.assignment.domain;

import java.util.Objects;
import java.util.Set;

/**
 * One change of an assignment as the change log keeps it: the assignment as it stood after the change,
 * at a revision, and what the change did to the scrub bookkeeping of its node.
 *
 * <p>Revisions grow with each change of one assignment; changes of different assignments are ordered
 * among themselves too, but not necessarily in the order they committed, so a reader keeps per
 * assignment the newest revision it applied.
 *
 * @param scrubPending devices the change left awaiting a scrub reset, from the assignment's tenant
 * @param scrubbed     devices the change found scrubbed: their reset set closed
 */
public record AssignmentChange(long revision, Assignment assignment, Set<String> scrubPending, Set<String> scrubbed) {

    public AssignmentChange {
        Objects.requireNonNull(assignment, "assignment");
        scrubPending = Set.copyOf(scrubPending);
        scrubbed = Set.copyOf(scrubbed);
    }

    /** What a release did to the scrub bookkeeping of its node; {@link #NONE} for any other change. */
    public record Scrubs(Set<String> pending, Set<String> scrubbed) {

        public static final Scrubs NONE = new Scrubs(Set.of(), Set.of());

        public Scrubs {
            pending = Set.copyOf(pending);
            scrubbed = Set.copyOf(scrubbed);
        }
    }
}
