package io.vfleet.inventory.domain;

/**
 * A PCI function's identity as its configuration space reports it ({@code vendor}, {@code device},
 * {@code class} in sysfs): 16-bit vendor and device ids and the 24-bit class code (base class, subclass,
 * programming interface, as in {@code 0x030200} for a 3D controller).
 */
public record PciId(int vendorId, int deviceId, int classCode) {

    public PciId {
        if (vendorId < 0 || vendorId > 0xffff) {
            throw new IllegalArgumentException("vendor id " + vendorId + " is not a 16-bit number");
        }
        if (deviceId < 0 || deviceId > 0xffff) {
            throw new IllegalArgumentException("device id " + deviceId + " is not a 16-bit number");
        }
        if (classCode < 0 || classCode > 0xffffff) {
            throw new IllegalArgumentException("class code " + classCode + " is not a 24-bit number");
        }
    }

    @Override
    public String toString() {
        return String.format("%04x:%04x (class %06x)", vendorId, deviceId, classCode);
    }
}
