package io.vfleet.assignment.domain;

/**
 * Which devices a request wants when it does not name them: any of the given PCI identity (a null
 * field matches anything), {@code count} of them.
 */
public record DeviceSelector(Integer vendorId, Integer deviceId, Integer classCode, int count) {

    public DeviceSelector {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
    }

    public boolean matches(TopologyDevice.PciId id) {
        return (vendorId == null || vendorId == id.vendorId())
                && (deviceId == null || deviceId == id.deviceId())
                && (classCode == null || classCode == id.classCode());
    }
}
