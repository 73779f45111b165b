package io.vfleet.engine;

/**
 * Which kernel the host runs, where the vfio cdev series differs between what vfleet was designed
 * from and what Linux merged (KERNEL.md §15).
 */
public enum KernelProfile {
    /** "vfio_device cdev for iommufd" v11: noiommu cdev, re-ATTACH is EBUSY, BIND at VFIO_BASE+19. */
    V11("v11", 0x77),
    /** Linux 6.6 as merged: no noiommu cdev, re-ATTACH replaces, BIND at VFIO_BASE+18. */
    LINUX_6_6("linux-6.6", 0x76),
    /**
     * Linux 6.12 (Debian 12's backport kernel, which the lab boots): 6.6's behaviour, and where the
     * differential suite found the running kernel answering otherwise, what KERNEL.md §15 lists for it.
     */
    LINUX_6_12("linux-6.12", 0x76);

    private final String label;
    private final int bindIommufdNr;

    KernelProfile(String label, int bindIommufdNr) {
        this.label = label;
        this.bindIommufdNr = bindIommufdNr;
    }

    /** The name used in topology files and on the wire: {@code v11}, {@code linux-6.6} or {@code linux-6.12}. */
    public String label() {
        return label;
    }

    /** ioctl nr of VFIO_DEVICE_BIND_IOMMUFD; ATTACH and DETACH follow it. */
    public int bindIommufdNr() {
        return bindIommufdNr;
    }

    public int attachIommufdPtNr() {
        return bindIommufdNr + 1;
    }

    public int detachIommufdPtNr() {
        return bindIommufdNr + 2;
    }

    /** v11 exposes noiommu devices as {@code /dev/vfio/devices/noiommu-vfioN}; mainline has no such node. */
    public boolean noiommuCdev() {
        return this == V11;
    }

    /** 6.6 treats ATTACH on an attached device as a replace; v11 refuses it with EBUSY. */
    public boolean attachReplaces() {
        return this != V11;
    }

    /**
     * VFIO_IOMMU_UNMAP_DMA on iommufd's compat container succeeds with 0 bytes for a range with nothing
     * mapped: the 2025 fix to {@code iommufd_vfio_unmap_dma}, in 6.12's stable series (KERNEL.md §6.2),
     * which the differential suite saw 6.12.118 answer.
     */
    public boolean compatUnmapOfNothingSucceeds() {
        return this == LINUX_6_12;
    }

    public static KernelProfile ofLabel(String label) {
        for (KernelProfile profile : values()) {
            if (profile.label.equals(label)) {
                return profile;
            }
        }
        throw new IllegalArgumentException("unknown kernel profile '" + label + "' (expected v11, linux-6.6 or linux-6.12)");
    }
}
