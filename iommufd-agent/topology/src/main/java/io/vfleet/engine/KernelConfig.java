package io.vfleet.engine;

/**
 * The host kernel's vfio build configuration and module parameters (KERNEL.md §1).
 *
 * @param profile                  which kernel's behaviour to reproduce
 * @param vfioGroup                {@code CONFIG_VFIO_GROUP}: {@code /dev/vfio/<group>} nodes exist
 * @param vfioContainer            {@code CONFIG_VFIO_CONTAINER}: {@code /dev/vfio/vfio} is the legacy type1 container
 * @param iommufdVfioContainer     {@code CONFIG_IOMMUFD_VFIO_CONTAINER}: {@code /dev/vfio/vfio} is an iommufd
 * @param vfioDeviceCdev           {@code CONFIG_VFIO_DEVICE_CDEV}: {@code /dev/vfio/devices/vfioN} exist
 * @param unsafeNoiommuMode        {@code CONFIG_VFIO_NOIOMMU} with {@code enable_unsafe_noiommu_mode=1}
 * @param iommufd                  {@code CONFIG_IOMMUFD}: {@code /dev/iommu} exists; a distribution kernel
 *                                 may lack it (Debian 12's 6.12 does), and then neither the cdev nor
 *                                 iommufd's container can exist
 */
public record KernelConfig(
        KernelProfile profile,
        boolean vfioGroup,
        boolean vfioContainer,
        boolean iommufdVfioContainer,
        boolean vfioDeviceCdev,
        boolean unsafeNoiommuMode,
        boolean iommufd) {

    /** A kernel with IOMMUFD, as every kernel the engine modelled before the lab's stock one. */
    public KernelConfig(KernelProfile profile, boolean vfioGroup, boolean vfioContainer, boolean iommufdVfioContainer,
            boolean vfioDeviceCdev, boolean unsafeNoiommuMode) {
        this(profile, vfioGroup, vfioContainer, iommufdVfioContainer, vfioDeviceCdev, unsafeNoiommuMode, true);
    }

    /** A typical distribution kernel: groups, the legacy container and the cdev, noiommu off. */
    public static KernelConfig defaults(KernelProfile profile) {
        return new KernelConfig(profile, true, true, false, true, false);
    }

    public KernelConfig {
        if (profile == null) {
            throw new IllegalArgumentException("kernel.profile: required");
        }
        if (vfioContainer && !vfioGroup) {
            throw new IllegalArgumentException("kernel.vfioContainer: needs vfioGroup (CONFIG_VFIO_CONTAINER depends on CONFIG_VFIO_GROUP)");
        }
        if (iommufdVfioContainer && (!vfioGroup || vfioContainer)) {
            throw new IllegalArgumentException(
                    "kernel.iommufdVfioContainer: needs vfioGroup and no vfioContainer (CONFIG_IOMMUFD_VFIO_CONTAINER depends on VFIO_GROUP && !VFIO_CONTAINER)");
        }
        if (!iommufd && (vfioDeviceCdev || iommufdVfioContainer)) {
            throw new IllegalArgumentException(vfioDeviceCdev
                    ? "kernel.vfioDeviceCdev: needs iommufd (CONFIG_VFIO_DEVICE_CDEV depends on CONFIG_IOMMUFD)"
                    : "kernel.iommufdVfioContainer: needs iommufd (CONFIG_IOMMUFD_VFIO_CONTAINER depends on CONFIG_IOMMUFD)");
        }
        if (!vfioGroup && !vfioDeviceCdev) {
            throw new IllegalArgumentException("kernel.vfioDeviceCdev: forced on when vfioGroup is off (there would be no way to open a device)");
        }
    }

    /** {@code /dev/vfio/vfio} exists, as either kind of container. */
    public boolean hasContainerNode() {
        return vfioContainer || iommufdVfioContainer;
    }
}
