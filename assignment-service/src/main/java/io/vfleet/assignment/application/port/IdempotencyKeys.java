package io.vfleet.assignment.application.port;

import java.util.Optional;

/**
 * Remembers which assignment a request with an Idempotency-Key created, and from what request. A key
 * is its caller's (the principal that sent it): another caller's same key is another key. A key
 * lives for the store's configured lifetime; after it, the key is as good as unused.
 */
public interface IdempotencyKeys {

    /** What a key was first used for. */
    record Earlier(String fingerprint, String assignmentId) {}

    /**
     * Claims the caller's key for the assignment in the current transaction, or answers what claimed
     * it first within its lifetime. A claim not yet committed by another transaction is waited for.
     */
    Optional<Earlier> claim(String caller, String key, String fingerprint, String assignmentId);

    /** Deletes at most {@code atMost} of the keys past their lifetime, oldest first by index; how many. */
    int forgetExpired(int atMost);
}
