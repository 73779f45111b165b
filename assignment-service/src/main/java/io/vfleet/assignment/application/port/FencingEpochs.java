package io.vfleet.assignment.application.port;

/**
 * The fencing every agent call carries, shared by every replica through the store: a fresh epoch per
 * call, taken in the transaction that stores the state leading to the call, and the node's controller
 * term, read in that same transaction.
 *
 * <p>An agent refuses a call whose epoch is older than one it saw for the same assignment (an older
 * decision on it), and a call whose term is older than the newest it saw on the node (a controller that
 * lost the node). The term grows only when control of the node changes hands, so one controller's
 * concurrent calls for different assignments, each with its own epoch, may reach the agent in any order.
 *
 * <p>One epoch counter serves the whole fleet: a value is newer than every value handed out before for
 * any node, and taking one waits for no other transaction.
 */
public interface FencingEpochs {

    /** What fences one agent call: a fresh epoch, and the node's controller term as it stands. */
    record Fence(long epoch, long term) {}

    /** A fresh {@link #next epoch} and the node's {@link #term}, in one trip to the store. */
    Fence fence(String node);

    /** A value newer than any handed out before; {@code node} is where the call it fences goes. */
    long next(String node);

    /** The node's controller term, as the last {@link #takeControl} left it; 0 before any. */
    long term(String node);

    /**
     * Makes this process the node's controller: a new term if another process held it (or none did),
     * the current one if this process already did; returns the term.
     */
    long takeControl(String node);
}
