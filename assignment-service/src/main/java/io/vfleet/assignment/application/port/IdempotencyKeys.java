package io.vfleet.assignment.application.port;

import java.util.Optional;

/** Remembers which assignment a request with an Idempotency-Key created, and from what request. */
public interface IdempotencyKeys {

    /** What a key was first used for. */
    record Earlier(String fingerprint, String assignmentId) {}

    /**
     * Claims the key for the assignment in the current transaction, or answers what claimed it first.
     * A claim not yet committed by another transaction is waited for.
     */
    Optional<Earlier> claim(String key, String fingerprint, String assignmentId);
}
