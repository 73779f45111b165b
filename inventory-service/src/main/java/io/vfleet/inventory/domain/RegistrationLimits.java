package io.vfleet.inventory.domain;

/**
 * How large a registration may be. A host has at most a few hundred PCI functions; anything far larger
 * is a broken or hostile agent, refused before it costs the database anything.
 *
 * @param maxDevices    devices per registration; IOMMU groups and reset sets cannot outnumber them
 * @param maxTextLength characters in any one name, key, driver, endpoint or version
 */
public record RegistrationLimits(int maxDevices, int maxTextLength) {
    public static final RegistrationLimits DEFAULTS = new RegistrationLimits(1024, 255);

    public RegistrationLimits {
        if (maxDevices < 1 || maxTextLength < 1) {
            throw new IllegalArgumentException("registration limits must be positive: " + maxDevices + " devices, "
                    + maxTextLength + " characters");
        }
    }
}
