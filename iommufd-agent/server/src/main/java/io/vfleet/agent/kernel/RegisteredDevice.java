package io.vfleet.agent.kernel;

import io.vfleet.engine.vfio.VfioDevice;

/**
 * A vfio device as the host has it registered: its name (a PCI BDF or an mdev's name), its kind, and
 * the device nodes that open it.
 *
 * @param cdevName     its vfio device name, {@code vfioN} ({@code noiommu-vfioN} for a v11 noiommu device)
 * @param cdevPath     {@code /dev/vfio/devices/<cdevName>}, or empty when the kernel creates no cdev for it
 * @param groupPath    {@code /dev/vfio/<group>} or {@code /dev/vfio/noiommu-<group>}, or empty without groups
 * @param deviceSetKey the reset set it belongs to, as the topology names it
 * @param open         whether some file has it open now, as far as the backend can tell (the real kernel
 *                     does not say; it refuses a second open itself)
 */
public record RegisteredDevice(String name, VfioDevice.Kind kind, String cdevName, String cdevPath, String groupPath,
        String deviceSetKey, boolean open) {
}
