package io.vfleet.assignment.domain;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

/**
 * One entry of the append-only audit log: what happened ({@link Kind}), when, to whom and to which
 * devices of which node.
 *
 * <p>{@link #canonical()} is the exact byte string that is hashed into the chain: every field
 * length-prefixed, so that no two different events share one encoding. {@code at} is kept to the
 * microsecond, the precision PostgreSQL stores, so a stored event hashes as it was written.
 */
public record AuditEvent(
        long sequence,
        Instant at,
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

    public AuditEvent {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(detail, "detail");
        at = at.truncatedTo(ChronoUnit.MICROS);
        devices = List.copyOf(devices);
    }

    /** An event not yet numbered: the log gives it its sequence when it is appended. */
    public static AuditEvent of(Kind kind, Assignment assignment, String detail) {
        return new AuditEvent(0, Instant.now(), kind, assignment.tenant(), assignment.node(), assignment.bdfs(),
                assignment.id(), detail);
    }

    public AuditEvent numbered(long newSequence, Instant newAt) {
        return new AuditEvent(newSequence, newAt, kind, tenant, node, devices, assignmentId, detail);
    }

    public byte[] canonical() {
        StringBuilder text = new StringBuilder();
        field(text, Long.toString(sequence));
        field(text, at.toString());
        field(text, kind.name());
        field(text, tenant);
        field(text, node);
        field(text, Integer.toString(devices.size()));
        devices.forEach(device -> field(text, device));
        field(text, assignmentId);
        field(text, detail);
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void field(StringBuilder text, String value) {
        if (value == null) {
            text.append("-1:");
            return;
        }
        text.append(value.length()).append(':').append(value);
    }
}
