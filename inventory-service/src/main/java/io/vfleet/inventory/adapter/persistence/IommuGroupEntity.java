package io.vfleet.inventory.adapter.persistence;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.OrderColumn;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.util.ArrayList;
import java.util.List;

/** Row of {@code inventory.iommu_group}, with its reserved regions. */
@Entity
@Table(name = "iommu_group")
class IommuGroupEntity {
    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "iommu_group_id")
    @SequenceGenerator(name = "iommu_group_id", sequenceName = "iommu_group_id", allocationSize = 50)
    Long id;

    int number;
    long apertureStart;
    long apertureLast;
    String[] members;

    @ElementCollection
    @CollectionTable(name = "reserved_region", joinColumns = @JoinColumn(name = "iommu_group_id"))
    @OrderColumn(name = "position")
    List<ReservedRegionValue> reservedRegions = new ArrayList<>();
}
