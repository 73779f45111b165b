package io.vfleet.inventory.domain;

/**
 * An IOVA range the IOMMU keeps out of every mapping for the devices of a group
 * ({@code struct iommu_resv_region}, {@code /sys/kernel/iommu_groups/N/reserved_regions}).
 *
 * @param type the name sysfs prints: {@code direct}, {@code direct-relaxable}, {@code reserved},
 *             {@code msi} or {@code msi-sw}
 */
public record ReservedRegion(IovaWindow range, String type) {
}
