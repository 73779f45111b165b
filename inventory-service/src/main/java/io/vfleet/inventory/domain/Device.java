package io.vfleet.inventory.domain;

/**
 * A device a node's agent reports: a PCI function ({@code struct pci_dev}) bound to vfio, or an emulated
 * (mdev-like) vfio device.
 *
 * @param bdf            the key of the device on its node: the PCI address ({@code 0000:3b:00.0}); an
 *                       emulated device has none, so its name on the node ({@code mtty-0}) stands in
 * @param driver         the bound driver ({@code vfio-pci}, {@code mlx5_core}), or null for none
 * @param vfioDeviceName the vfio cdev's name ({@code vfio3}, for {@code /dev/vfio/devices/vfio3}), or null
 *                       when the device is not registered with vfio
 * @param noiommu        registered in unsafe noiommu mode: no IOMMU isolates it
 * @param emulated       an emulated device, which reaches memory through iommufd's access API
 * @param sriovParent    for an SR-IOV virtual function, the BDF of its physical function; else null
 */
public record Device(String bdf, PciId id, String driver, String vfioDeviceName, boolean noiommu, boolean emulated,
                     String sriovParent) {
}
