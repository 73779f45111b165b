package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.Violation;
import java.util.List;
import java.util.function.Supplier;

/**
 * What the use cases tell operators beyond the audit log: which assignment the current thread works
 * on (so that every log line of an operation names it), the rules refusals broke, and the repairs
 * reconciliation made, and how long each step's transaction took. How long the agents take is measured
 * where they are called.
 */
public interface Telemetry {

    /** Every kind of repair {@code ReconcileNode} makes. */
    enum Repair {
        /** REQUESTED → FAILED: the agent was never asked. */
        FAILED_BEFORE_PREPARE,
        /** PREPARING → ACTIVE: the agent had prepared it. */
        ACTIVATED,
        /** PREPARING → RELEASED: the agent had prepared it, but its answer broke group isolation. */
        RELEASED_SPLIT_PREPARE,
        /** PREPARING → FAILED: the agent holds nothing. */
        FAILED_UNPREPARED,
        /** ACTIVE → RELEASED: the agent no longer holds it. */
        RELEASED_LOST,
        /** RELEASING or RESETTING → RELEASED. */
        FINISHED_RELEASE,
        /** The agent held something for no live assignment. */
        RELEASED_ORPHAN,
        /** Fences of a hot reset that never finished. */
        LIFTED_FENCES
    }

    /** The transactions of an assign and of a release: the intent before the agent call, the outcome after. */
    enum Step {
        ASSIGN_INTENT,
        ASSIGN_OUTCOME,
        RELEASE_INTENT,
        RELEASE_OUTCOME
    }

    /** Until closed, what this thread logs is about {@code assignmentId}; closing restores what was there before. */
    Scope operation(String assignmentId);

    void refused(List<Violation> violations);

    void repaired(Repair repair);

    /** A step's transaction took {@code nanos}, from its start to its commit (or its refusal). */
    void transaction(Step step, long nanos);

    /** Runs a step's transaction and reports how long it took. */
    default <T> T timed(Step step, Supplier<T> transaction) {
        long started = System.nanoTime();
        try {
            return transaction.get();
        } finally {
            transaction(step, System.nanoTime() - started);
        }
    }

    /** An {@link #operation} that ends without an exception of its own. */
    interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    /** Tells nobody: for use cases built outside the service, as in tests. */
    Telemetry NONE = new Telemetry() {
        @Override
        public Scope operation(String assignmentId) {
            return () -> { };
        }

        @Override
        public void refused(List<Violation> violations) {
        }

        @Override
        public void repaired(Repair repair) {
        }

        @Override
        public void transaction(Step step, long nanos) {
        }
    };
}
