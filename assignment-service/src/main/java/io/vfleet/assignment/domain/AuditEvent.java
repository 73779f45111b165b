package io.vfleet.assignment.domain;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the append-only audit log: what happened ({@link Kind}), when, who caused it (the
 * authenticated principal, or the service itself: {@code system:reconciler}), to whom and to which
 * devices of which node.
 *
 * <p>{@code sequence} is the event's place in the log, from 1; an event is written with 0 and
 * numbered after its transaction commits. {@link #canonical()} is the exact byte string that is the
 * event's leaf in the log's Merkle tree: a format tag, then every field length-prefixed, so that no
 * two different events share one encoding. {@code at} is kept to the microsecond, the precision
 * PostgreSQL stores, so a stored event hashes as it was written.
 */
public record AuditEvent(
        long sequence,
        Instant at,
        String principal,
        Kind kind,
        String tenant,
        String node,
        List<String> devices,
        String assignmentId,
        String detail) {

    public enum Kind {
        /** An assignment changed state; {@code detail} names the new state (and the reason of a failure). */
        ASSIGNMENT_STATE,
        /** A hot reset started: the devices it fences. */
        RESET_STARTED,
        /** A hot reset ended: the devices it reached. */
        RESET_FINISHED,
        /** A tenant's quotas or policy changed. */
        TENANT_POLICY,
        /** Reconciliation repaired a difference between the database and an agent. */
        RECONCILE_REPAIR,
        /** A released device's reset set closed, so the kernel reset it. */
        DEVICE_SCRUBBED
    }

    /** The principal of what the service does by itself: reconciliation's repairs. */
    public static final String RECONCILER = "system:reconciler";

    /** The first field of every canonical event, so that a later format can never be mistaken for this one. */
    private static final String FORMAT = "vfleet.audit.event/1";

    public AuditEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        at = at.truncatedTo(ChronoUnit.MICROS);
        devices = List.copyOf(devices);
    }

    /** An event about an assignment, by {@code principal}, not yet numbered. */
    public static AuditEvent of(String principal, Kind kind, Assignment assignment, String detail) {
        return new AuditEvent(0, Instant.now(), principal, kind, assignment.tenant(), assignment.node(),
                assignment.bdfs(), assignment.id(), detail);
    }

    public AuditEvent numbered(long newSequence) {
        return new AuditEvent(newSequence, at, principal, kind, tenant, node, devices, assignmentId, detail);
    }

    /**
     * The leaf the log hashes: {@code <byte length>:<UTF-8 bytes>} for each field in a fixed order,
     * {@code -} for an absent one, starting with the format tag.
     */
    public byte[] canonical() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        field(bytes, FORMAT);
        field(bytes, Long.toString(sequence));
        field(bytes, at.toString());
        field(bytes, principal);
        field(bytes, kind.name());
        field(bytes, tenant);
        field(bytes, node);
        field(bytes, Integer.toString(devices.size()));
        devices.forEach(device -> field(bytes, device));
        field(bytes, assignmentId);
        field(bytes, detail);
        return bytes.toByteArray();
    }

    private static void field(ByteArrayOutputStream bytes, String value) {
        if (value == null) {
            bytes.writeBytes("-".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        byte[] encoded = value.getBytes(StandardCharsets.UTF_8);
        bytes.writeBytes((encoded.length + ":").getBytes(StandardCharsets.US_ASCII));
        bytes.writeBytes(encoded);
    }
}
