package io.vfleet.engine.topology;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One PCI function of the host ({@code struct pci_dev}, {@code include/linux/pci.h}) with the facts the
 * vfio and iommufd code reads from it: its driver, IOMMU group, place in the bus hierarchy, SR-IOV
 * parent, reset capabilities and IOMMU facts.
 *
 * <p>Invariants checked here (the ones that need no other function): the IOMMU group number is not
 * negative; the driver name, when present, is a kernel module name; only a bridge declares resets of
 * what is below it; no function is its own upstream bridge or its own physical function.
 *
 * @param driver         the bound driver: {@code vfio-pci}, {@code pcieport} (bridges), {@code pci-stub},
 *                       a host driver ({@code nvme}, {@code mlx5_core}, ...), or null for none
 * @param iommuGroup     the IOMMU group number, or null for a function with no IOMMU group (noiommu)
 * @param upstreamBridge the bridge whose secondary bus this function sits on, or null on a root bus
 * @param physfn         for an SR-IOV virtual function, its physical function; else null
 */
public record PciFunction(Bdf bdf, PciId id, String driver, Integer iommuGroup, Bdf upstreamBridge, Bdf physfn,
                          ResetCapabilities reset, IommuFacts iommu) {
    public static final String VFIO_PCI = "vfio-pci";

    /**
     * Drivers that declare {@code driver_managed_dma} (they never use the DMA API behind the IOMMU
     * group's back), so binding one leaves the group free for a user space owner
     * ({@code drivers/iommu/iommu.c}, {@code iommu_device_use_default_domain()}).
     */
    private static final Set<String> DRIVER_MANAGED_DMA = Set.of(VFIO_PCI, "pcieport", "pci-stub");
    private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]*");

    public PciFunction {
        Objects.requireNonNull(bdf, "bdf");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(reset, "reset");
        Objects.requireNonNull(iommu, "iommu");
        if (driver != null && !MODULE_NAME.matcher(driver).matches()) {
            throw new TopologyException("driver", "'" + driver + "' is not a driver name (omit the key for no driver)");
        }
        if (iommuGroup != null && iommuGroup < 0) {
            throw new TopologyException("iommuGroup", "must be 0 or more, got " + iommuGroup);
        }
        if (!id.isBridge() && reset.secondaryBusReset()) {
            throw new TopologyException("reset.secondaryBusReset", "only a bridge has a bus below it, and "
                    + bdf + " is class 0x" + String.format("%06x", id.classCode()));
        }
        if (!id.isBridge() && reset.slotReset()) {
            throw new TopologyException("reset.slotReset", "only a bridge has a slot below it, and "
                    + bdf + " is class 0x" + String.format("%06x", id.classCode()));
        }
        if (bdf.equals(upstreamBridge)) {
            throw new TopologyException("upstreamBridge", bdf + " cannot sit below itself");
        }
        if (bdf.equals(physfn)) {
            throw new TopologyException("physfn", bdf + " cannot be its own physical function");
        }
    }

    /** Class 0x0604xx: a PCI-to-PCI bridge, root ports and switch ports included. */
    public boolean isBridge() {
        return id.isBridge();
    }

    /**
     * Whether the bound driver uses the DMA API, and so holds the IOMMU group's default domain: no
     * user space owner can claim the group while it is bound (KERNEL.md §2.11, §7.3). vfio-pci,
     * pcieport and pci-stub manage DMA themselves; a function with no driver does no DMA.
     */
    public boolean holdsDmaOwnership() {
        return driver != null && !DRIVER_MANAGED_DMA.contains(driver);
    }

    public boolean isBoundToVfio() {
        return VFIO_PCI.equals(driver);
    }

    public boolean hasIommuGroup() {
        return iommuGroup != null;
    }

    /** Bound to vfio-pci without an IOMMU group: registered only in unsafe noiommu mode (KERNEL.md §11). */
    public boolean isNoiommuCandidate() {
        return isBoundToVfio() && iommuGroup == null;
    }

    public boolean isVirtualFunction() {
        return physfn != null;
    }

    public boolean onRootBus() {
        return upstreamBridge == null;
    }
}
