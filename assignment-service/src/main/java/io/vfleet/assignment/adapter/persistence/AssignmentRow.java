package io.vfleet.assignment.adapter.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** A row of {@code assignments}; mapped to and from the domain by {@link JpaAssignments}. */
@Entity
@Table(name = "assignments")
class AssignmentRow {

    @Id
    String id;

    @Column(nullable = false)
    String tenant;

    @Column(nullable = false)
    String node;

    @Column(nullable = false)
    String state;

    @Column(name = "with_kvm", nullable = false)
    boolean withKvm;

    @Column(name = "ioas_id")
    Long ioasId;

    @Column(name = "hwpt_ids", nullable = false)
    String hwptIds;

    @Column(name = "failure_reason")
    String failureReason;

    @Column(name = "created_at", nullable = false)
    Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    Instant updatedAt;

    /** The incarnation of the run that stored this state. */
    @Column(name = "driver")
    Integer driver;

    protected AssignmentRow() {}
}
