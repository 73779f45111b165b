package io.vfleet.engine.iommufd;

import io.vfleet.engine.iommu.IommuGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * One IOMMU group as seen by one iommufd context ({@code struct iommufd_group}, device.c): the
 * HWPT the group is attached to and which of the context's devices of the group are attached.
 * The group is physically attached with its first attached device and detached with its last;
 * all of them share the one HWPT. Guarded by the host lock.
 */
public final class IommufdGroup {
    private final IommuGroup group;
    private final List<IommufdDevice> attached = new ArrayList<>();
    private int boundDevices;
    private HwptPaging hwpt;

    IommufdGroup(IommuGroup group) {
        this.group = group;
    }

    public IommuGroup group() {
        return group;
    }

    /** The HWPT the group is attached to, or null. */
    public HwptPaging hwpt() {
        return hwpt;
    }

    public List<IommufdDevice> attachedDevices() {
        return List.copyOf(attached);
    }

    void setHwpt(HwptPaging hwpt) {
        this.hwpt = hwpt;
    }

    void addAttached(IommufdDevice device) {
        attached.add(device);
    }

    void removeAttached(IommufdDevice device) {
        attached.remove(device);
        if (attached.isEmpty()) {
            hwpt = null;
        }
    }

    List<IommufdDevice> attachedView() {
        return attached;
    }

    int boundDevices() {
        return boundDevices;
    }

    void addBound() {
        boundDevices++;
    }

    void removeBound() {
        boundDevices--;
    }
}
