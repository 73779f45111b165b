package io.vfleet.assignment.application;

/**
 * The request is valid but the current state does not allow it: an Idempotency-Key reused for
 * another request, an operation on an assignment in the wrong state, or an agent that heard from a
 * newer decision. {@link Reason} lets each edge answer it precisely.
 */
public final class Conflict extends RuntimeException {

    /** Which kind of conflict. */
    public enum Reason {
        /** The Idempotency-Key was first used for a different request. */
        IDEMPOTENCY_KEY_REUSED,
        /** The assignment, or its node, is not in a state that allows the operation. */
        WRONG_STATE,
        /** The node's agent refused the operation. */
        AGENT_REFUSED,
        /** The audit log is not an extension of a checkpoint already signed: it will not be signed again. */
        LOG_INCONSISTENT
    }

    private final Reason reason;

    public Conflict(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
