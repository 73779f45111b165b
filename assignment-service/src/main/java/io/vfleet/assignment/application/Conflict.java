package io.vfleet.assignment.application;

/**
 * The request is valid but the current state does not allow it: an Idempotency-Key reused for
 * another request, an operation on an assignment in the wrong state, or an agent that heard from a
 * newer decision.
 */
public final class Conflict extends RuntimeException {

    public Conflict(String message) {
        super(message);
    }
}
