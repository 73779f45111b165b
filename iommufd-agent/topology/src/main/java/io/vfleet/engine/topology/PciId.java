package io.vfleet.engine.topology;

/**
 * The identity a PCI function reports in config space (the vendor, device and class fields of
 * {@code struct pci_dev}, {@code include/linux/pci.h}), as {@code lspci -nn} shows it.
 *
 * <p>The class is the 24-bit class code {@code 0xCCSSPP}: base class, subclass, programming interface,
 * such as {@code 0x030200} for a 3D controller or {@code 0x060400} for a PCI-to-PCI bridge. Vendor
 * {@code 0xffff} is what an absent function reads as, so no function has it.
 */
public record PciId(int vendorId, int deviceId, int classCode) {
    /** Base class 0x06, subclass 0x04: PCI-to-PCI bridge (root ports and switch ports included). */
    private static final int BRIDGE_CLASS = 0x0604;

    public PciId {
        if (vendorId < 0 || vendorId >= 0xffff) {
            throw new TopologyException("vendor", "0x" + Integer.toHexString(vendorId) + " is not a vendor id (0x0000..0xfffe)");
        }
        if (deviceId < 0 || deviceId > 0xffff) {
            throw new TopologyException("device", "0x" + Integer.toHexString(deviceId) + " is not a device id (0x0000..0xffff)");
        }
        if (classCode < 0 || classCode > 0xffffff) {
            throw new TopologyException("class", "0x" + Integer.toHexString(classCode) + " is not a 24-bit class code");
        }
    }

    public boolean isBridge() {
        return classCode >> 8 == BRIDGE_CLASS;
    }

    /** As {@code lspci -nn} prints it: {@code 10de:2330}. */
    @Override
    public String toString() {
        return String.format("%04x:%04x (class %06x)", vendorId, deviceId, classCode);
    }
}
