package io.vfleet.engine.topology;

import java.util.Objects;

/**
 * The reset domain of a PCI function: what vfio-pci keys its {@code vfio_device_set} by, and whether a
 * hot reset can reach it ({@code vfio_pci_core_register_device()} and
 * {@code vfio_pci_ioctl_get_pci_hot_reset_info()} in {@code drivers/vfio/pci/vfio_pci_core.c};
 * KERNEL.md §2.10, §13.1).
 *
 * <p>Invariant: a {@link Kind#ROOT_BUS} domain has no bridge and never supports hot reset; a
 * {@link Kind#SLOT} domain always does.
 *
 * @param key    stable across loads: {@code root:0000:00:02.0}, {@code slot:0000:00:01.0} (the bridge above
 *               the slot) or {@code bus:0000:01} (the bus below the bridge)
 * @param bridge the bridge whose slot or bus this is; null on a root bus
 */
public record ResetDomain(Kind kind, String key, Bdf bridge, boolean hotResetSupported) {

    public enum Kind {
        /** On a root bus: a singleton dev_set, and no bridge that could reset the bus. */
        ROOT_BUS,
        /** Below a bridge whose hotplug slot supports a slot reset. */
        SLOT,
        /** Below a bridge without slot reset: the dev_set is the bus, reset only with secondary bus reset. */
        BUS
    }

    public ResetDomain {
        Objects.requireNonNull(kind);
        Objects.requireNonNull(key);
        if ((kind == Kind.ROOT_BUS) != (bridge == null)) {
            throw new AssertionError("a reset domain has a bridge exactly when it is not on a root bus: " + key);
        }
        if ((kind == Kind.ROOT_BUS && hotResetSupported) || (kind == Kind.SLOT && !hotResetSupported)) {
            throw new AssertionError("hot reset support contradicts the domain kind: " + key);
        }
    }

    static ResetDomain of(PciFunction function, PciFunction bridge) {
        if (bridge == null) {
            return new ResetDomain(Kind.ROOT_BUS, "root:" + function.bdf(), null, false);
        }
        if (bridge.reset().slotReset()) {
            return new ResetDomain(Kind.SLOT, "slot:" + bridge.bdf(), bridge.bdf(), true);
        }
        return new ResetDomain(Kind.BUS, "bus:" + function.bdf().busName(), bridge.bdf(), bridge.reset().secondaryBusReset());
    }
}
