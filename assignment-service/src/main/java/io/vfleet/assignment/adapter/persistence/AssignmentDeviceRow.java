package io.vfleet.assignment.adapter.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A row of {@code assignment_devices}: a device an assignment owns, or a free device it fences for
 * a hot reset. Inserted and released by native statements (the unique index on standing holds is
 * what they rely on); read and given devids through this mapping.
 */
@Entity
@Table(name = "assignment_devices")
class AssignmentDeviceRow {

    @Id
    Long id;

    @Column(name = "assignment_id", nullable = false)
    String assignmentId;

    @Column(nullable = false)
    String tenant;

    @Column(nullable = false)
    String node;

    @Column(nullable = false)
    String bdf;

    @Column(nullable = false)
    String role;

    @Column(nullable = false)
    boolean held;

    @Column(nullable = false)
    int position;

    @Column(name = "vfio_name", nullable = false)
    String vfioName;

    @Column(name = "iommu_group", nullable = false)
    int iommuGroup;

    @Column(name = "reset_set", nullable = false)
    String resetSet;

    Long devid;

    @Column(name = "hwpt_id")
    Long hwptId;

    @Column(nullable = false)
    String kind;

    @Column(name = "function_reset")
    Boolean functionReset;

    protected AssignmentDeviceRow() {}
}
