package io.vfleet.engine.vfio;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.iommufd.IommufdContext;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.topology.Bdf;
import io.vfleet.engine.topology.PciFunction;
import io.vfleet.engine.uapi.Ioctl.Done;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetPciHotResetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetPciHotResetInfo.Entry;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * vfio-pci's slot and bus reset (vfio_pci_core.c): the hot-reset info and hot-reset ioctls, and
 * the reset of a whole device set when its last member closes (KERNEL.md §13).
 *
 * <p>A hot reset hits every function below the slot or bus, so it is allowed only when the caller
 * proves it owns every vfio device of the set: by passing the group fds (group path), or, for a
 * cdev-opened device, by having them bound to its own iommufd (the zero-length form). Guarded by
 * the host lock, which stands in for the dev_set mutex.
 */
public final class PciHotReset {
    private PciHotReset() {
    }

    /** VFIO_DEVICE_GET_PCI_HOT_RESET_INFO (KERNEL.md §13.2). */
    static VfioDeviceGetPciHotResetInfo.Reply info(VfioDeviceFile file, VfioDeviceGetPciHotResetInfo request) {
        if (request.argsz() < VfioDeviceGetPciHotResetInfo.HEADER_SIZE) {
            throw Errno.EINVAL.exception("argsz " + request.argsz() + " < 12");
        }
        VfioDevice device = file.device();
        List<Bdf> affected = affected(device);
        int room = (request.argsz() - VfioDeviceGetPciHotResetInfo.HEADER_SIZE) / VfioDeviceGetPciHotResetInfo.ENTRY_SIZE;
        if (room < affected.size()) {
            throw new KernelException(Errno.ENOSPC, "room for " + room + " entries, " + affected.size() + " affected functions",
                    new VfioDeviceGetPciHotResetInfo.Reply(0, affected.size(), List.of()));
        }
        List<Entry> entries = new ArrayList<>(affected.size());
        if (!device.cdevOpened()) {
            for (Bdf bdf : affected) {
                Integer group = device.pciBus().function(bdf).iommuGroup();
                if (group == null) {
                    throw Errno.EPERM.exception("affected function " + bdf + " has no IOMMU group");
                }
                entries.add(entry(group, bdf));
            }
            return new VfioDeviceGetPciHotResetInfo.Reply(0, affected.size(), entries);
        }
        int flags = VfioDeviceGetPciHotResetInfo.FLAG_DEV_ID | VfioDeviceGetPciHotResetInfo.FLAG_DEV_ID_OWNED;
        IommufdContext context = device.iommufd();
        for (Bdf bdf : affected) {
            VfioDevice member = device.pciBus().vfioDevice(bdf);
            int devid = member == null || member.deviceSet() != device.deviceSet()
                    ? VfioDeviceGetPciHotResetInfo.DEVID_NOT_OWNED
                    : devidFor(member, context);
            if (devid == VfioDeviceGetPciHotResetInfo.DEVID_NOT_OWNED) {
                flags &= ~VfioDeviceGetPciHotResetInfo.FLAG_DEV_ID_OWNED;
            }
            entries.add(entry(devid, bdf));
        }
        return new VfioDeviceGetPciHotResetInfo.Reply(flags, affected.size(), entries);
    }

    /** VFIO_DEVICE_PCI_HOT_RESET (KERNEL.md §13.3). */
    static Done reset(VfioDeviceFile file, Process caller, VfioDevicePciHotReset request) {
        if (request.argsz() < VfioDevicePciHotReset.HEADER_SIZE || request.flags() != 0) {
            throw Errno.EINVAL.exception("argsz " + request.argsz() + " < 12 or flags 0x" + Integer.toHexString(request.flags()));
        }
        VfioDevice device = file.device();
        int count = request.groupFds().size();
        if ((count == 0) != device.cdevOpened()) {
            throw Errno.EINVAL.exception(count == 0
                    ? "the zero-length form proves ownership through an iommufd; " + device.name() + " is not opened through its cdev"
                    : "a cdev-opened device proves ownership through its iommufd, not group fds");
        }
        List<Bdf> affected = affected(device);
        Set<VfioGroup> groups = new HashSet<>();
        if (count > 0) {
            if (count > affected.size()) {
                throw Errno.EINVAL.exception(count + " group fds for " + affected.size() + " affected functions");
            }
            for (int fd : request.groupFds()) {
                KernelFile groupFile = caller.files().get(fd);
                if (!(groupFile instanceof VfioGroupFile vfioGroupFile)) {
                    throw Errno.EINVAL.exception("fd " + fd + " is a " + groupFile.kind() + " file, not a vfio group");
                }
                groups.add(vfioGroupFile.group());
            }
        }
        VfioDeviceSet set = device.deviceSet();
        for (Bdf bdf : affected) {
            VfioDevice member = device.pciBus().vfioDevice(bdf);
            if (member == null || member.deviceSet() != set) {
                throw Errno.EINVAL.exception("affected function " + bdf + " is not a vfio device of " + device.name() + "'s set");
            }
        }
        IommufdContext context = device.iommufd();
        for (VfioDevice member : set.members()) {
            boolean owned = count > 0
                    ? groups.contains(member.group())
                    : devidFor(member, context) != VfioDeviceGetPciHotResetInfo.DEVID_NOT_OWNED;
            if (!owned) {
                throw Errno.EINVAL.exception("the caller does not own " + member.name() + " in the reset set");
            }
        }
        for (VfioDevice member : set.members()) {
            member.recordReset();
        }
        return Done.INSTANCE;
    }

    /**
     * vfio_pci_dev_set_try_reset: when no member of the set is open any more and one of them was
     * left needing a reset, reset the whole set by slot or bus if every affected function is in it.
     */
    static void resetSetIfIdle(VfioDeviceSet set) {
        if (set.openCount() > 0) {
            return;
        }
        List<VfioDevice> members = set.members();
        if (members.stream().noneMatch(VfioDevice::needsReset)) {
            return;
        }
        VfioDevice first = members.getFirst();
        List<Bdf> affected = first.pciBus().hotResetAffected(first.function().bdf());
        if (affected.isEmpty()) {
            return;
        }
        for (Bdf bdf : affected) {
            VfioDevice member = first.pciBus().vfioDevice(bdf);
            if (member == null || member.deviceSet() != set) {
                return;
            }
        }
        for (VfioDevice member : members) {
            member.recordReset();
        }
    }

    /** The devid, OWNED or NOT_OWNED answer for one member as seen from {@code context}. */
    private static int devidFor(VfioDevice member, IommufdContext context) {
        if (context == null) {
            return VfioDeviceGetPciHotResetInfo.DEVID_NOT_OWNED;
        }
        if (member.iommufd() == context && member.devid() > 0) {
            return member.devid();
        }
        if (member.iommuGroup() != null && context.igroup(member.iommuGroup()) != null) {
            return VfioDeviceGetPciHotResetInfo.DEVID_OWNED;
        }
        return VfioDeviceGetPciHotResetInfo.DEVID_NOT_OWNED;
    }

    private static List<Bdf> affected(VfioDevice device) {
        PciFunction function = device.function();
        List<Bdf> affected = function == null ? List.of() : device.pciBus().hotResetAffected(function.bdf());
        if (affected.isEmpty()) {
            throw Errno.ENODEV.exception(device.name() + " supports neither slot nor bus reset");
        }
        return affected;
    }

    private static Entry entry(int groupIdOrDevid, Bdf bdf) {
        return new Entry(groupIdOrDevid, bdf.segment(), bdf.bus(), bdf.device() << 3 | bdf.function());
    }
}
