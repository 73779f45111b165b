package io.vfleet.assignment.application;

import io.vfleet.assignment.domain.AgentAnswer;

/**
 * The request is valid but the current state does not allow it: an Idempotency-Key reused for
 * another request, an operation on an assignment in the wrong state, an agent that heard of a newer
 * decision, or an agent that refused. {@link Reason} lets each edge answer it precisely, and
 * {@link #agent()} keeps what the agent said, when one did.
 */
public final class Conflict extends RuntimeException {

    /** Which kind of conflict. */
    public enum Reason {
        /** The Idempotency-Key was first used for a different request. */
        IDEMPOTENCY_KEY_REUSED,
        /** The assignment, or its node, is not in a state that allows the operation. */
        WRONG_STATE,
        /** A newer decision about the assignment (a release) reached its node's agent first (STALE_EPOCH). */
        SUPERSEDED,
        /** The node's agent refused the operation. */
        AGENT_REFUSED,
        /** The audit log is not an extension of a checkpoint already signed: it will not be signed again. */
        LOG_INCONSISTENT
    }

    private final Reason reason;
    private final AgentAnswer agent;

    public Conflict(Reason reason, String message) {
        this(reason, message, null);
    }

    public Conflict(Reason reason, String message, AgentAnswer agent) {
        super(message);
        this.reason = reason;
        this.agent = agent;
    }

    public Reason reason() {
        return reason;
    }

    /** What the node's agent said, when the conflict is its refusal; null otherwise. */
    public AgentAnswer agent() {
        return agent;
    }
}
