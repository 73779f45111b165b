package io.vfleet.assignment.application.port;

import java.util.Optional;

/**
 * Work that one replica at a time may do on a node, fleet-wide: a lock per node and purpose, held
 * outside any transaction for as long as the work takes (agent calls included), and let go when the work
 * ends or the replica that holds it dies (its database session ends).
 */
public interface NodeLocks {

    /** A lock this replica holds until it closes it. */
    interface Held extends AutoCloseable {
        @Override
        void close();
    }

    /** The node's lock for {@code purpose}, if no replica holds it now; never waits. */
    Optional<Held> tryLock(String purpose, String node);
}
