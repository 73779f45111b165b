package io.vfleet.assignment.adapter.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** A row of {@code audit_events}: one event with its link in the hash chain. Never updated. */
@Entity
@Table(name = "audit_events")
class AuditEventRow {

    @Id
    long sequence;

    @Column(nullable = false)
    Instant at;

    @Column(nullable = false)
    String kind;

    String tenant;

    String node;

    @JdbcTypeCode(SqlTypes.ARRAY)
    @Column(nullable = false)
    String[] devices;

    @Column(name = "assignment_id")
    String assignmentId;

    @Column(nullable = false)
    String detail;

    @Column(name = "previous_hash", nullable = false)
    String previousHash;

    @Column(nullable = false)
    String hash;

    protected AuditEventRow() {}
}
