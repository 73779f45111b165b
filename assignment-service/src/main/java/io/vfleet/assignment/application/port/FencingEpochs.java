package io.vfleet.assignment.application.port;

/**
 * Fencing epochs: values that only grow, shared by every replica through the store. Each agent call
 * carries a fresh one, taken in the transaction that stores the state leading to the call, so an
 * agent refuses the call of a replica that decided earlier than the last one it heard from.
 *
 * <p>One counter serves the whole fleet: a value is newer than every value handed out before for any
 * node, and taking one waits for no other transaction.
 */
public interface FencingEpochs {

    /** A value newer than any handed out before; {@code node} is where the call it fences goes. */
    long next(String node);
}
