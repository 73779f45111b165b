package io.vfleet.inventory.domain;

/**
 * The node kernel's vfio build configuration, as its agent reports it: which device nodes exist and
 * whether unsafe noiommu mode is on. The assignment service reads it to choose how to open devices.
 *
 * @param profile which kernel behaviour the node has: {@code v11}, {@code linux-6.6} or {@code linux-6.12}
 */
public record KernelSettings(String profile, boolean vfioGroup, boolean vfioContainer, boolean iommufdVfioContainer,
                             boolean vfioDeviceCdev, boolean unsafeNoiommuMode) {
}
