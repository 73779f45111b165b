package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.AuditChain;
import io.vfleet.assignment.domain.AuditEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The append-only, hash-chained audit log. Appends are serialised by the store (a lock on the head
 * of the chain), so the chain has one order whatever the number of replicas. Append last in a
 * transaction: the head stays locked until the commit.
 */
public interface AuditLog {

    /** What to search: each filter null for any; {@code from} inclusive, {@code to} exclusive. */
    record Query(String device, String tenant, Instant from, Instant to) {}

    /** Who held a device of a node at a time, by the assignment's first event. */
    record Owner(String node, String device, String tenant, String assignmentId, Instant since) {}

    /** The outcome of walking the whole chain. */
    record Verification(long checked, Optional<AuditChain.BrokenLink> firstBroken) {}

    AuditEvent append(AuditEvent event);

    Page<AuditEvent> search(Query query, Paging paging);

    /** The owners of the device at the time, one per node that has such a device (or only {@code node}). */
    List<Owner> ownersAt(String device, String node, Instant at);

    Verification verify();
}
