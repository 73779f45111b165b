package io.vfleet.engine.vfio;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.iommufd.IommufdContext;
import io.vfleet.engine.iommufd.IommufdFile;
import io.vfleet.engine.kvm.Kvm;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.Done;
import io.vfleet.engine.uapi.Ioctl.UnknownIoctl;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetPciHotResetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceReset;

/**
 * An open device fd ({@code struct vfio_device_file}, vfio_main.c and device_cdev.c): either a
 * cdev open of {@code /dev/vfio/devices/vfioN} or a fd from VFIO_GROUP_GET_DEVICE_FD.
 *
 * <p>A cdev file starts without access: until its own BIND succeeds every other ioctl is EINVAL
 * (the access gate, KERNEL.md §4.2). A group-path file has access from the start. Access, once
 * granted, is never taken back; closing the file unbinds (cdev) or closes (group path) the
 * device. The KVM-VFIO device may hold this file open after the process closed it. Guarded by the
 * host lock.
 */
public final class VfioDeviceFile extends KernelFile {
    private final VfioDevice device;
    private final VfioGroup group;
    private final KernelConfig config;
    private boolean accessGranted;
    private IommufdContext iommufd;
    private Kvm kvm;

    private VfioDeviceFile(VfioDevice device, VfioGroup group, KernelConfig config, boolean accessGranted) {
        this.device = device;
        this.group = group;
        this.config = config;
        this.accessGranted = accessGranted;
    }

    /** open(/dev/vfio/devices/vfioN): no access until BIND. */
    public static VfioDeviceFile forCdev(VfioDevice device, KernelConfig config) {
        return new VfioDeviceFile(device, null, config, false);
    }

    static VfioDeviceFile forGroup(VfioDevice device, VfioGroup group) {
        return new VfioDeviceFile(device, group, group.config(), true);
    }

    public VfioDevice device() {
        return device;
    }

    /** The group this file came from, or null for a cdev file. */
    public VfioGroup group() {
        return group;
    }

    public boolean isCdev() {
        return group == null;
    }

    public boolean accessGranted() {
        return accessGranted;
    }

    /** The context a cdev file is bound to, or null. */
    public IommufdContext iommufd() {
        return iommufd;
    }

    /** The VM the KVM-VFIO device associated with this file, or null. */
    public Kvm kvm() {
        return kvm;
    }

    /** Set by KVM_DEV_VFIO_FILE_ADD / _DEL; only the next BIND reads it. */
    public void setKvm(Kvm kvm) {
        this.kvm = kvm;
    }

    @Override
    public String kind() {
        return "vfio-device";
    }

    @Override
    public Object ioctl(Process caller, Ioctl<?> request) {
        if (request instanceof VfioDeviceBindIommufd bind) {
            if (!config.vfioDeviceCdev()) {
                throw Errno.ENOTTY.exception("kernel built without VFIO_DEVICE_CDEV");
            }
            return bindIommufd(caller, bind);
        }
        if (!accessGranted) {
            throw Errno.EINVAL.exception("device file of " + device.name() + " is not bound yet (access gate)");
        }
        return switch (request) {
            case VfioDeviceAttachIommufdPt attach -> attach(attach);
            case VfioDeviceDetachIommufdPt detach -> detach(detach);
            case VfioDeviceGetInfo info -> getInfo(info);
            case VfioDeviceReset reset -> reset();
            case VfioDeviceGetPciHotResetInfo info -> PciHotReset.info(this, info);
            case VfioDevicePciHotReset reset -> PciHotReset.reset(this, caller, reset);
            case UnknownIoctl unknown -> throw Errno.ENOTTY.exception(
                    "the " + device.kind() + " driver does not know ioctl nr 0x" + Integer.toHexString(unknown.nr()));
            default -> notTty(this, request);
        };
    }

    /** VFIO_DEVICE_BIND_IOMMUFD, checks in the kernel's order (KERNEL.md §4.3). */
    private VfioDeviceBindIommufd.Reply bindIommufd(Process caller, VfioDeviceBindIommufd request) {
        if (request.argsz() < VfioDeviceBindIommufd.SIZE || request.flags() != 0 || request.iommufd() < 0) {
            throw Errno.EINVAL.exception("BIND argsz " + request.argsz() + ", flags 0x" + Integer.toHexString(request.flags())
                    + ", iommufd " + request.iommufd() + ": argsz < 16, flags set or negative fd");
        }
        if (!isCdev()) {
            throw Errno.EINVAL.exception("a device fd from the group path cannot BIND");
        }
        if (device.kind() == VfioDevice.Kind.NOIOMMU && !caller.capable(Capability.CAP_SYS_RAWIO)) {
            throw Errno.EPERM.exception("binding noiommu device " + device.name() + " needs CAP_SYS_RAWIO");
        }
        VfioGroup deviceGroup = config.vfioGroup() ? device.group() : null;
        if (deviceGroup != null) {
            deviceGroup.blockGroupPath();
        }
        try {
            if (accessGranted) {
                throw Errno.EINVAL.exception("this device file is already bound");
            }
            IommufdContext context = caller.files().get(request.iommufd(), IommufdFile.class, Errno.EBADFD).context();
            int devid = device.openForCdev(context, kvm);
            context.get();
            iommufd = context;
            accessGranted = true;
            return new VfioDeviceBindIommufd.Reply(devid);
        } catch (RuntimeException e) {
            if (deviceGroup != null) {
                deviceGroup.unblockGroupPath();
            }
            throw e;
        }
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT (KERNEL.md §4.4). */
    private VfioDeviceAttachIommufdPt.Reply attach(VfioDeviceAttachIommufdPt request) {
        checkCdevPath(request);
        if (request.argsz() < VfioDeviceAttachIommufdPt.SIZE || request.flags() != 0) {
            throw Errno.EINVAL.exception("ATTACH argsz " + request.argsz() + " < 12 or flags 0x" + Integer.toHexString(request.flags()));
        }
        return switch (device.kind()) {
            case NOIOMMU -> new VfioDeviceAttachIommufdPt.Reply(request.ptId());
            case EMULATED -> {
                var access = device.iommufdAccess();
                if (access.ioas() == null) {
                    access.attach(request.ptId());
                } else if (config.profile().attachReplaces()) {
                    access.replace(request.ptId());
                } else {
                    throw Errno.EBUSY.exception(device.name() + " is already attached; DETACH first");
                }
                yield new VfioDeviceAttachIommufdPt.Reply(request.ptId());
            }
            case PHYSICAL -> {
                var idev = device.iommufdDevice();
                int used;
                if (!idev.isAttached()) {
                    used = idev.attach(request.ptId());
                } else if (config.profile().attachReplaces()) {
                    used = idev.replace(request.ptId());
                } else {
                    throw Errno.EBUSY.exception(device.name() + " is already attached to HWPT " + idev.hwpt().id() + "; DETACH first");
                }
                yield new VfioDeviceAttachIommufdPt.Reply(used);
            }
        };
    }

    /** VFIO_DEVICE_DETACH_IOMMUFD_PT (KERNEL.md §4.5): detaching a detached device succeeds. */
    private Done detach(VfioDeviceDetachIommufdPt request) {
        checkCdevPath(request);
        if (request.argsz() < VfioDeviceDetachIommufdPt.SIZE || request.flags() != 0) {
            throw Errno.EINVAL.exception("DETACH argsz " + request.argsz() + " < 8 or flags 0x" + Integer.toHexString(request.flags()));
        }
        switch (device.kind()) {
            case NOIOMMU -> { }
            case EMULATED -> device.iommufdAccess().detach();
            case PHYSICAL -> device.iommufdDevice().detach();
        }
        return Done.INSTANCE;
    }

    /** ATTACH and DETACH belong to the cdev: on a group-path fd [v11] refuses them, [6.6] the driver does not know them. */
    private void checkCdevPath(Ioctl<?> request) {
        if (!isCdev()) {
            Errno errno = config.profile().attachReplaces() ? Errno.ENOTTY : Errno.EINVAL;
            throw errno.exception(request.getClass().getSimpleName() + " on a device fd from the group path");
        }
    }

    /** VFIO_DEVICE_GET_INFO (KERNEL.md §13.4). */
    private VfioDeviceGetInfo.Reply getInfo(VfioDeviceGetInfo request) {
        if (request.argsz() < VfioDeviceGetInfo.SIZE) {
            throw Errno.EINVAL.exception("argsz " + request.argsz() + " < " + VfioDeviceGetInfo.SIZE);
        }
        if (device.kind() == VfioDevice.Kind.EMULATED) {
            return new VfioDeviceGetInfo.Reply(0, 1, 0);
        }
        int flags = VfioDeviceGetInfo.FLAGS_PCI | (device.resetWorks() ? VfioDeviceGetInfo.FLAGS_RESET : 0);
        return new VfioDeviceGetInfo.Reply(flags, 9, 5);
    }

    /** VFIO_DEVICE_RESET: a function-level reset, EINVAL without one. */
    private Done reset() {
        if (!device.resetWorks()) {
            throw Errno.EINVAL.exception(device.name() + " has no function-level reset");
        }
        device.recordReset();
        return Done.INSTANCE;
    }

    /** Closing the file: a bound cdev file unbinds, a group-path file closes its device. */
    @Override
    protected void release() {
        if (!accessGranted) {
            return;
        }
        device.close();
        if (isCdev()) {
            if (config.vfioGroup() && device.group() != null) {
                device.group().unblockGroupPath();
            }
            IommufdContext context = iommufd;
            iommufd = null;
            context.put();
        }
    }
}
