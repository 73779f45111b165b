package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.iommu.IommuGroup;
import io.vfleet.engine.topology.IommuFacts;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An iommufd context ({@code struct iommufd_ctx}, main.c): one per open of {@code /dev/iommu} (or
 * of {@code /dev/vfio/vfio} in compat mode).
 *
 * <p>The context lives while anything holds it: its file, every bound device file, every device
 * and access object, a vfio group set to it. When the last holder goes the remaining objects are
 * destroyed leaf first (HWPTs before IOASes). Context-wide state: the accounting mode for pins,
 * the VFIO compatibility IOAS and the compat no-iommu flag, and one {@link IommufdGroup} per IOMMU
 * group with a device bound here. Guarded by the host lock.
 */
public final class IommufdContext {
    private final ObjectTable objects = new ObjectTable();
    private final Map<IommuGroup, IommufdGroup> groups = new HashMap<>();
    private int holders = 1;
    private boolean mmAccounting;
    private Ioas vfioIoas;
    private boolean noIommuMode;

    /** @param mmAccounting true when opened through the compat {@code /dev/vfio/vfio} */
    public IommufdContext(boolean mmAccounting) {
        this.mmAccounting = mmAccounting;
    }

    public ObjectTable objects() {
        return objects;
    }

    /** IOMMU_OPTION_RLIMIT_MODE: true when pins are charged per process ({@code mm->locked_vm}). */
    public boolean mmAccounting() {
        return mmAccounting;
    }

    /** IOMMU_OPTION_RLIMIT_MODE SET; the caller checked the context is empty (else EBUSY). */
    public void setMmAccounting(boolean mmAccounting) {
        if (!objects.isEmpty()) {
            throw new AssertionError("accounting mode changed on a context with objects");
        }
        this.mmAccounting = mmAccounting;
    }

    /** The IOAS the VFIO compatibility layer uses, or null. */
    public Ioas vfioIoas() {
        return vfioIoas;
    }

    public void setVfioIoas(Ioas ioas) {
        this.vfioIoas = ioas;
    }

    public boolean noIommuMode() {
        return noIommuMode;
    }

    public void setNoIommuMode(boolean noIommuMode) {
        this.noIommuMode = noIommuMode;
    }

    /** IOMMU_IOAS_ALLOC. */
    public Ioas allocIoas() {
        Ioas ioas = new Ioas();
        objects.reserve(ioas);
        objects.publish(ioas);
        return ioas;
    }

    /**
     * iommufd_device_bind: a physical device joins this context and its IOMMU group's DMA ownership
     * is claimed for it. The device is not attached: DMA stays blocked until ATTACH.
     */
    public IommufdDevice bindDevice(IommuGroup group, IommuFacts facts, String name) {
        if (!facts.cacheCoherent()) {
            throw Errno.EINVAL.exception("the DMA of " + name + " is not cache-coherent (IOMMU_CAP_CACHE_COHERENCY)");
        }
        if (group == null) {
            throw new AssertionError(name + " has no IOMMU group; only devices with one register as physical");
        }
        if (!facts.msiIsolated()) {
            throw Errno.EPERM.exception("MSI of " + name + " is not isolated and allow_unsafe_interrupts is off");
        }
        IommufdGroup igroup = groups.get(group);
        IommufdDevice device = new IommufdDevice(this, igroup != null ? igroup : new IommufdGroup(group), facts, name);
        objects.reserve(device);
        try {
            group.claimDeviceOwnership(this);
        } catch (KernelException e) {
            objects.abort(device);
            throw e;
        }
        groups.putIfAbsent(group, device.igroup());
        objects.publish(device);
        device.addUser();
        device.igroup().addBound();
        holders++;
        return device;
    }

    /** iommufd_device_unbind: detach, leave the table, give the group's DMA ownership back. */
    public void unbindDevice(IommufdDevice device) {
        device.removeUser();
        objects.remove(device);
        device.destroy();
        IommufdGroup igroup = device.igroup();
        igroup.removeBound();
        if (igroup.boundDevices() == 0) {
            groups.remove(igroup.group());
        }
        igroup.group().releaseDeviceOwnership(this);
        put();
    }

    /** iommufd_access_create: an emulated device's (or [v11] a noiommu device's) devid. */
    public IommufdAccess createAccess(String name, boolean noiommu) {
        IommufdAccess access = new IommufdAccess(this, name, noiommu);
        objects.reserve(access);
        objects.publish(access);
        access.addUser();
        holders++;
        return access;
    }

    /** iommufd_access_destroy: detaches (the driver drops its pins) and leaves the table. */
    public void destroyAccess(IommufdAccess access) {
        access.removeUser();
        objects.remove(access);
        access.destroy();
        put();
    }

    /** IOMMU_HWPT_ALLOC of a paging HWPT: a manual HWPT whose domain joins the IOAS now. */
    public HwptPaging allocHwpt(IommufdDevice device, Ioas ioas) {
        HwptPaging hwpt = newHwpt(ioas, device.domainForThisDevice(), false);
        try {
            ioas.iopt().addDomain(hwpt.domain());
        } catch (KernelException e) {
            abortHwpt(hwpt);
            throw e;
        }
        publishHwpt(hwpt);
        return hwpt;
    }

    /** IOMMU_DESTROY. */
    public void destroy(int id) {
        IommufdObject object = objects.get(id);
        objects.destroy(object);
        if (object == vfioIoas) {
            vfioIoas = null;
        }
    }

    HwptPaging newHwpt(Ioas ioas, IommuDomain domain, boolean auto) {
        HwptPaging hwpt = new HwptPaging(ioas, domain, auto);
        objects.reserve(hwpt);
        ioas.addUser();
        return hwpt;
    }

    void publishHwpt(HwptPaging hwpt) {
        objects.publish(hwpt);
        if (hwpt.isAuto()) {
            hwpt.ioas().addAutoHwpt(hwpt);
        }
    }

    /** Throws away an HWPT that never got published; its domain was never added to the IOAS. */
    void abortHwpt(HwptPaging hwpt) {
        objects.abort(hwpt);
        hwpt.ioas().removeUser();
    }

    /** An auto HWPT that lost its last device goes away with its domain. */
    void releaseIfUnusedAuto(HwptPaging hwpt) {
        if (hwpt.isAuto() && hwpt.users() == 1) {
            objects.remove(hwpt);
            hwpt.destroy();
        }
    }

    /** The per-group state for {@code group}, or null when no device of it is bound here. */
    public IommufdGroup igroup(IommuGroup group) {
        return groups.get(group);
    }

    /** Another holder keeps the context alive (a bound device file, a vfio group). */
    public void get() {
        if (holders <= 0) {
            throw new AssertionError("get() on a destroyed iommufd context");
        }
        holders++;
    }

    /** Drops a holder; the last one tears the context down. */
    public void put() {
        if (holders <= 0) {
            throw new AssertionError("put() on a destroyed iommufd context");
        }
        if (--holders == 0) {
            teardown();
        }
    }

    public boolean isDestroyed() {
        return holders == 0;
    }

    /** iommufd_fops_release: destroys what is left, HWPTs before the IOASes they hold. */
    private void teardown() {
        vfioIoas = null;
        List<IommufdObject> remaining = objects.objects();
        for (IommufdObject object : remaining) {
            if (object instanceof HwptPaging hwpt) {
                objects.remove(hwpt);
                hwpt.destroy();
            }
        }
        for (IommufdObject object : remaining) {
            if (object instanceof Ioas ioas) {
                objects.remove(ioas);
                ioas.destroy();
            }
        }
        if (!objects.isEmpty() || !groups.isEmpty()) {
            throw new AssertionError("iommufd context torn down with devices still bound");
        }
    }
}
