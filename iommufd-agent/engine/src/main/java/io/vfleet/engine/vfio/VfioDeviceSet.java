package io.vfleet.engine.vfio;

import java.util.ArrayList;
import java.util.List;

/**
 * A set of vfio devices that share a reset domain ({@code struct vfio_device_set}, vfio_main.c):
 * vfio-pci puts a device on a root bus in a set of its own, else one set per PCI slot that can
 * be reset, else one per bus. Other drivers use singleton sets.
 *
 * <p>In the kernel the set's mutex serialises open, close, bind, attach and hot reset of its
 * members; here the host lock already serialises them. Guarded by the host lock.
 */
public final class VfioDeviceSet {
    private final String key;
    private final List<VfioDevice> members = new ArrayList<>();

    public VfioDeviceSet(String key) {
        this.key = key;
    }

    /** What the set is keyed by: {@code slot:<bridge>}, {@code bus:<bridge>} or the device itself. */
    public String key() {
        return key;
    }

    public List<VfioDevice> members() {
        return List.copyOf(members);
    }

    void add(VfioDevice device) {
        members.add(device);
    }

    void remove(VfioDevice device) {
        members.remove(device);
    }

    /** The sum of the members' open counts. */
    public int openCount() {
        int total = 0;
        for (VfioDevice member : members) {
            total += member.openCount();
        }
        return total;
    }
}
