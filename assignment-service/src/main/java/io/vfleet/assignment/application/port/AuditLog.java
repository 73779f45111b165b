package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.MerkleTree;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The append-only audit log. A writer appends an event in the transaction of the change it records
 * and touches nothing another writer waits for. After the commit the event is numbered, in commit
 * order, and becomes a leaf of the log's Merkle tree ("linked"); until then it is written but not
 * yet in the log. Reads see linked events only, and wait for the log to catch up first
 * ({@link #awaitLinked}).
 */
public interface AuditLog {

    /** What to search: each filter null for any; {@code from} inclusive, {@code to} exclusive. */
    record Query(String device, String tenant, Instant from, Instant to) {}

    /** Who held a device of a node at a time, by the assignment's first event. */
    record Owner(String node, String device, String tenant, String assignmentId, Instant since) {}

    /** A linked event and the leaf hash stored for it when it was linked (null if none is). */
    record Logged(AuditEvent event, Hash storedLeaf) {}

    /** Appends the event in the current transaction; it is numbered and linked after the commit. */
    void append(AuditEvent event);

    /**
     * Waits, at most {@code patience}, until every event committed before this call is linked.
     *
     * @return how many of them are still not linked: 0 unless the log lags
     */
    long awaitLinked(Duration patience);

    Page<AuditEvent> search(Query query, Paging paging);

    /** The owners of the device at the time, one per node that has such a device (or only {@code node}). */
    List<Owner> ownersAt(String device, String node, Instant at);

    /** How many events are linked: the size of the tree. */
    long size();

    /** Linked events from sequence {@code from} on, at most {@code limit}, in sequence order. */
    List<Logged> read(long from, int limit);

    /** The stored hashes of the tree's complete subtrees, from which its roots and proofs are computed. */
    MerkleTree.SubtreeHashes tree();
}
