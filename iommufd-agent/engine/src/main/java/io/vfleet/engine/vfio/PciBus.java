package io.vfleet.engine.vfio;

import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.PciFunction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host's PCI hierarchy as vfio-pci sees it (drivers/pci): which functions a slot or bus reset
 * of a device would hit, and which of them are vfio devices. Guarded by the host lock.
 */
public final class PciBus {
    private final HostTopology topology;
    private final Map<Bdf, VfioDevice> vfioDevices = new HashMap<>();

    public PciBus(HostTopology topology) {
        this.topology = topology;
    }

    void register(VfioDevice device) {
        vfioDevices.put(device.function().bdf(), device);
    }

    /** The functions a slot or bus reset of {@code bdf} affects; empty when neither is possible. */
    public List<Bdf> hotResetAffected(Bdf bdf) {
        return topology.hotResetAffected(bdf);
    }

    /** The vfio device bound to {@code bdf}, or null when a host driver (or none) drives it. */
    public VfioDevice vfioDevice(Bdf bdf) {
        return vfioDevices.get(bdf);
    }

    public PciFunction function(Bdf bdf) {
        return topology.function(bdf).orElseThrow(() -> new AssertionError("no PCI function " + bdf));
    }
}
