package io.vfleet.assignment.adapter.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of {@code node_devices}: one PCI function of a node in the topology copy. */
@Entity
@Table(name = "node_devices")
class NodeDeviceRow {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(nullable = false)
    String node;

    @Column(nullable = false)
    String bdf;

    @Column(name = "vendor_id", nullable = false)
    int vendorId;

    @Column(name = "device_id", nullable = false)
    int deviceId;

    @Column(name = "class_code", nullable = false)
    int classCode;

    @Column(name = "iommu_group", nullable = false)
    int iommuGroup;

    @Column(name = "reset_set", nullable = false)
    String resetSet;

    @Column(nullable = false)
    String kind;

    @Column(nullable = false)
    boolean assignable;

    @Column(name = "vfio_name", nullable = false)
    String vfioName;

    protected NodeDeviceRow() {}
}
