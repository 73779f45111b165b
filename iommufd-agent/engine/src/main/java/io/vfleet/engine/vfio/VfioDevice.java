package io.vfleet.engine.vfio;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.iommu.IommuGroup;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.iommufd.IommufdContext;
import io.vfleet.engine.iommufd.IommufdDevice;
import io.vfleet.engine.kvm.Kvm;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.topology.IommuFacts;
import io.vfleet.engine.topology.PciFunction;

/**
 * A device registered with vfio ({@code struct vfio_device}, vfio_main.c): a PCI function bound to
 * vfio-pci, an emulated (mdev-like) device, or a noiommu device.
 *
 * <p>{@code openCount > 0} means the driver's open_device ran. Through the group path it may go
 * above one (several device fds); through the cdev path a device is opened at most once, and only
 * if the group path has not opened it. The first open captures the KVM pointer and binds the
 * device to its iommufd context (or uses its group's container); the last close undoes both and,
 * for vfio-pci, resets the device (KERNEL.md §4.7, §13.5). Guarded by the host lock.
 */
public final class VfioDevice {
    /** What kind of vfio device this is; decides how it binds to an iommufd. */
    public enum Kind { PHYSICAL, EMULATED, NOIOMMU }

    private final int index;
    private final Kind kind;
    private final String name;
    private final PciFunction function;
    private final IommuFacts facts;
    private final boolean requiresKvm;
    private final IommuGroup iommuGroup;
    private final VfioGroup group;
    private final VfioDeviceSet deviceSet;
    private final PciBus pciBus;
    private int openCount;
    private boolean cdevOpened;
    private Kvm kvm;
    private IommufdContext iommufd;
    private IommufdDevice iommufdDevice;
    private IommufdAccess iommufdAccess;
    private boolean usesContainer;
    private boolean needsReset;
    private long resets;

    VfioDevice(Registration registration) {
        this.index = registration.index();
        this.kind = registration.kind();
        this.name = registration.name();
        this.function = registration.function();
        this.facts = registration.facts();
        this.requiresKvm = registration.requiresKvm();
        this.iommuGroup = registration.iommuGroup();
        this.group = registration.group();
        this.deviceSet = registration.deviceSet();
        this.pciBus = registration.pciBus();
    }

    /** What the host knows when a driver registers the device. */
    record Registration(int index, Kind kind, String name, PciFunction function, IommuFacts facts,
            boolean requiresKvm, IommuGroup iommuGroup, VfioGroup group, VfioDeviceSet deviceSet, PciBus pciBus) {
    }

    public int index() {
        return index;
    }

    public Kind kind() {
        return kind;
    }

    /** The name GET_DEVICE_FD matches: the PCI BDF, or the emulated device's name. */
    public String name() {
        return name;
    }

    /** {@code vfioN}, the cdev's name; noiommu devices are {@code noiommu-vfioN} [v11]. */
    public String cdevName() {
        return (kind == Kind.NOIOMMU ? "noiommu-vfio" : "vfio") + index;
    }

    /** The PCI function behind a physical or noiommu device; null for an emulated one. */
    public PciFunction function() {
        return function;
    }

    public IommuFacts facts() {
        return facts;
    }

    /** The IOMMU group of a physical device; null for emulated and noiommu devices. */
    public IommuGroup iommuGroup() {
        return iommuGroup;
    }

    /** The vfio group, or null when the kernel is built without VFIO_GROUP. */
    public VfioGroup group() {
        return group;
    }

    public VfioDeviceSet deviceSet() {
        return deviceSet;
    }

    /** The PCI hierarchy this device sits in; null for an emulated device. */
    public PciBus pciBus() {
        return pciBus;
    }

    public int openCount() {
        return openCount;
    }

    public boolean cdevOpened() {
        return cdevOpened;
    }

    public Kvm kvm() {
        return kvm;
    }

    /** The context the device is bound to, or null. */
    public IommufdContext iommufd() {
        return iommufd;
    }

    public IommufdDevice iommufdDevice() {
        return iommufdDevice;
    }

    public IommufdAccess iommufdAccess() {
        return iommufdAccess;
    }

    /** The devid of the device in its context: the device or access object's ID; 0 when unbound. */
    public int devid() {
        if (iommufdDevice != null) {
            return iommufdDevice.id();
        }
        return iommufdAccess != null ? iommufdAccess.id() : 0;
    }

    /** Whether the device is attached to a page table (or, for an access, an IOAS). */
    public boolean iommufdAttached() {
        if (iommufdDevice != null) {
            return iommufdDevice.isAttached();
        }
        return iommufdAccess != null && iommufdAccess.ioas() != null;
    }

    /** vfio-pci: a function-level reset (FLR or PM) works on this device. */
    public boolean resetWorks() {
        return function != null && function.reset().functionReset();
    }

    /** Resets performed on this device (function, slot or bus), for callers that check scrubbing. */
    public long resets() {
        return resets;
    }

    /** The device was released without a function reset and waits for a bus or slot reset. */
    public boolean needsReset() {
        return needsReset;
    }

    /**
     * Snapshot restore only: reset counters outlive the processes that caused the resets, so a
     * snapshot carries them beside its journal and sets them after the replay.
     */
    public void restoreResetState(long resets, boolean needsReset) {
        this.resets = resets;
        this.needsReset = needsReset;
    }

    void recordReset() {
        resets++;
        needsReset = false;
    }

    /**
     * vfio_df_open through the cdev (the BIND path, KERNEL.md §4.3 steps 8–10): single open, bind
     * to {@code context}, driver open. Returns the devid. Everything is undone on failure.
     */
    int openForCdev(IommufdContext context, Kvm fileKvm, boolean callerHasRawio) {
        if (openCount != 0) {
            throw Errno.EINVAL.exception(name + " is already open (cdev single open rule)");
        }
        captureKvm(fileKvm);
        try {
            bind(context, callerHasRawio);
            try {
                driverOpen();
            } catch (KernelException e) {
                unbind();
                throw e;
            }
        } catch (KernelException e) {
            releaseKvm();
            throw e;
        }
        openCount = 1;
        cdevOpened = true;
        return devid();
    }

    /**
     * vfio_df_open through VFIO_GROUP_GET_DEVICE_FD: the first open captures the group's KVM and
     * binds to the group's iommufd (attaching to its compat IOAS) or uses its container; later
     * opens only count.
     */
    void openForGroup(Process caller) {
        if (openCount > 0) {
            openCount++;
            return;
        }
        boolean rawio = caller.capable(Capability.CAP_SYS_RAWIO);
        IommufdContext context = group.iommufd();
        captureKvm(group.kvm());
        try {
            if (context != null) {
                openThroughGroupIommufd(context, rawio);
            } else {
                group.useContainer(this, caller);
                usesContainer = true;
            }
            try {
                driverOpen();
            } catch (KernelException e) {
                releaseBacking();
                throw e;
            }
        } catch (KernelException e) {
            releaseKvm();
            throw e;
        }
        openCount = 1;
    }

    private void openThroughGroupIommufd(IommufdContext context, boolean callerHasRawio) {
        if (kind == Kind.NOIOMMU) {
            if (!callerHasRawio) {
                throw Errno.EPERM.exception("opening noiommu device " + name + " needs CAP_SYS_RAWIO");
            }
            if (context.vfioIoas() != null) {
                throw Errno.EPERM.exception("noiommu device " + name + " cannot join a context with a compat IOAS");
            }
            iommufd = context;
            context.get();
            return;
        }
        bind(context, callerHasRawio);
        try {
            // vfio_iommufd_compat_attach_ioas: the compat IOAS may have been cleared since SET_CONTAINER
            if (context.vfioIoas() == null) {
                throw Errno.ENODEV.exception("the context of group " + group.nodeName() + " has no compat IOAS to attach " + name + " to");
            }
            if (iommufdDevice != null) {
                iommufdDevice.attach(context.vfioIoas().id());
            } else if (iommufdAccess != null) {
                iommufdAccess.attach(context.vfioIoas().id());
            }
        } catch (KernelException e) {
            unbind();
            throw e;
        }
    }

    /** vfio_df_close: the last close runs the driver's close (with its reset) and unbinds. */
    void close() {
        if (openCount <= 0) {
            throw new AssertionError("closing " + name + " which is not open");
        }
        if (--openCount > 0) {
            return;
        }
        cdevOpened = false;
        driverClose();
        releaseBacking();
        releaseKvm();
    }

    /** Undoes the first open's bind or container use. */
    private void releaseBacking() {
        if (usesContainer) {
            usesContainer = false;
            group.unuseContainer();
        }
        if (iommufd != null) {
            unbind();
        }
    }

    /** vfio_df_iommufd_bind: physical → iommufd_device; emulated and [v11] noiommu → access. */
    private void bind(IommufdContext context, boolean callerHasRawio) {
        switch (kind) {
            case PHYSICAL -> iommufdDevice = context.bindDevice(iommuGroup, facts, name);
            case EMULATED -> iommufdAccess = context.createAccess(name, false);
            case NOIOMMU -> iommufdAccess = context.createAccess(name, true);
        }
        iommufd = context;
        context.get();
    }

    private void unbind() {
        IommufdContext context = iommufd;
        if (context == null) {
            return;
        }
        if (iommufdDevice != null) {
            context.unbindDevice(iommufdDevice);
            iommufdDevice = null;
        }
        if (iommufdAccess != null) {
            context.destroyAccess(iommufdAccess);
            iommufdAccess = null;
        }
        iommufd = null;
        context.put();
    }

    /** The driver's open_device: drivers that need KVM (vfio-ap style) refuse to open without it. */
    private void driverOpen() {
        if (requiresKvm && kvm == null) {
            throw Errno.EINVAL.exception(name + "'s driver needs a KVM association before open");
        }
    }

    /**
     * vfio-pci's close_device: try a function reset; a device without one waits until no member of
     * its set is open, then the whole set is reset by slot or bus if every affected function is in
     * the set (KERNEL.md §13.5).
     */
    private void driverClose() {
        if (function == null) {
            return;
        }
        if (resetWorks()) {
            recordReset();
        } else {
            needsReset = true;
        }
        PciHotReset.resetSetIfIdle(deviceSet);
    }

    private void captureKvm(Kvm candidate) {
        if (candidate != null) {
            candidate.get();
        }
        kvm = candidate;
    }

    private void releaseKvm() {
        if (kvm != null) {
            kvm.put();
            kvm = null;
        }
    }
}
