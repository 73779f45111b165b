package io.vfleet.assignment.domain;

import java.util.Objects;

/**
 * One PCI function of a node as the assignment rules need it: its identity, its IOMMU group, its
 * reset set (vfio-pci's dev_set key), and whether it can be handed to a tenant at all.
 *
 * <p>{@code assignable} is false for functions kept by host drivers and for bridges; such functions
 * are never placed, but still count as members of their group and reset set.
 */
public record TopologyDevice(
        String bdf,
        PciId id,
        int iommuGroup,
        String resetSet,
        Kind kind,
        boolean assignable,
        String vfioName) {

    /** How the device reaches the IOMMU. */
    public enum Kind {
        /** Behind a real IOMMU: DMA is translated and isolated. */
        PHYSICAL,
        /** vfio's unsafe noiommu mode: DMA goes untranslated, so the tenant must be trusted. */
        NOIOMMU
    }

    /** The PCI identity a selector matches against. */
    public record PciId(int vendorId, int deviceId, int classCode) {}

    public TopologyDevice {
        Objects.requireNonNull(bdf, "bdf");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(resetSet, "resetSet");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(vfioName, "vfioName");
    }
}
