package io.vfleet.inventory.domain;

import java.util.List;

/**
 * An IOMMU group of a node ({@code struct iommu_group}, {@code drivers/iommu/iommu.c}): the smallest set
 * of devices the IOMMU can isolate from each other, so all of them go to one tenant and one IOAS.
 *
 * @param aperture        the IOVA range the group's IOMMU domain can translate
 * @param reservedRegions ranges no mapping may cover, in the order sysfs lists them
 * @param members         the BDFs of the group's devices
 */
public record IommuGroup(int number, IovaWindow aperture, List<ReservedRegion> reservedRegions, List<String> members) {

    public IommuGroup {
        reservedRegions = List.copyOf(reservedRegions);
        members = List.copyOf(members);
    }
}
