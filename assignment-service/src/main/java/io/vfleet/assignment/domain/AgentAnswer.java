package io.vfleet.assignment.domain;

import java.util.Objects;

/**
 * What a node's agent said when it refused, kept so that the caller sees it: its reason, the errno's
 * name ({@code EBUSY}) for a refusal by the node's kernel or one of the agent's own reasons
 * ({@code STALE_EPOCH}) otherwise, and for an errno its number (null otherwise).
 */
public record AgentAnswer(String reason, Integer errno) {

    public AgentAnswer {
        Objects.requireNonNull(reason, "reason");
    }

    /** Whether the node's kernel refused, with an errno. */
    public boolean isErrno() {
        return errno != null;
    }

    @Override
    public String toString() {
        return errno == null ? reason : reason + ", errno " + errno;
    }
}
