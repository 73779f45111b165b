package io.vfleet.engine.uapi;

import io.vfleet.engine.IovaRange;
import java.util.List;

/**
 * An ioctl request as user space fills it in, one record per ioctl, named after the uapi struct
 * ({@code include/uapi/linux/iommufd.h}, {@code vfio.h}, {@code kvm.h}).
 *
 * <p>Records carry the struct's {@code size} / {@code argsz} word so that the kernel's size checks
 * can be exercised; the {@code of(...)} factories fill it with the struct's real size. Output
 * fields travel back in the request's nested {@code Reply}. Which file a request may be sent to is
 * decided by the file's dispatch: the wrong kind of file answers {@code ENOTTY}.
 *
 * @param <R> the reply type
 */
public sealed interface Ioctl<R> {

    /** Replies of ioctls that return nothing but success. */
    record Done() {
        public static final Done INSTANCE = new Done();
    }

    // ---- iommufd (/dev/iommu), ioctl nr 0x80.. ----

    /** IOMMU_DESTROY: destroy object {@code id}. */
    record IommuDestroy(int size, int id) implements Ioctl<Done> {
        public static final int SIZE = 8;
        public static IommuDestroy of(int id) { return new IommuDestroy(SIZE, id); }
    }

    /** IOMMU_IOAS_ALLOC: a new, empty IOAS. */
    record IommuIoasAlloc(int size, int flags) implements Ioctl<IommuIoasAlloc.Reply> {
        public static final int SIZE = 12;
        public static IommuIoasAlloc of() { return new IommuIoasAlloc(SIZE, 0); }
        public record Reply(int outIoasId) {}
    }

    /** IOMMU_IOAS_ALLOW_IOVAS: the ranges automatic IOVA allocation may use. */
    record IommuIoasAllowIovas(int size, int ioasId, int reserved, List<IovaRange> allowedIovas)
            implements Ioctl<Done> {
        public static final int SIZE = 24;
        public IommuIoasAllowIovas { allowedIovas = List.copyOf(allowedIovas); }
        public static IommuIoasAllowIovas of(int ioasId, List<IovaRange> allowed) {
            return new IommuIoasAllowIovas(SIZE, ioasId, 0, allowed);
        }
    }

    /** IOMMU_IOAS_COPY: map the pages behind a source IOVA range into a destination IOAS. */
    record IommuIoasCopy(int size, int flags, int dstIoasId, int srcIoasId, long length, long dstIova, long srcIova)
            implements Ioctl<IommuIoasCopy.Reply> {
        public static final int SIZE = 40;
        public record Reply(long dstIova) {}
    }

    /** IOMMU_IOAS_IOVA_RANGES: the IOVA ranges that may be mapped (holes of the reserved tree). */
    record IommuIoasIovaRanges(int size, int ioasId, int numIovas, int reserved)
            implements Ioctl<IommuIoasIovaRanges.Reply> {
        public static final int SIZE = 32;
        public static IommuIoasIovaRanges of(int ioasId, int capacity) {
            return new IommuIoasIovaRanges(SIZE, ioasId, capacity, 0);
        }
        /** {@code numIovas} is the total; {@code allowedIovas} holds at most the capacity asked for. */
        public record Reply(int numIovas, List<IovaRange> allowedIovas, long outIovaAlignment) {}
    }

    /** IOMMU_IOAS_MAP: map user memory at a fixed or kernel-chosen IOVA. */
    record IommuIoasMap(int size, int flags, int ioasId, int reserved, long userVa, long length, long iova)
            implements Ioctl<IommuIoasMap.Reply> {
        public static final int SIZE = 40;
        public static final int FIXED_IOVA = 1, WRITEABLE = 2, READABLE = 4;
        public static IommuIoasMap of(int flags, int ioasId, long userVa, long length, long iova) {
            return new IommuIoasMap(SIZE, flags, ioasId, 0, userVa, length, iova);
        }
        public record Reply(long iova) {}
    }

    /** IOMMU_IOAS_UNMAP: unmap whole areas inside a range, or everything ({@code iova 0, length 2^64-1}). */
    record IommuIoasUnmap(int size, int ioasId, long iova, long length) implements Ioctl<IommuIoasUnmap.Reply> {
        public static final int SIZE = 24;
        public static IommuIoasUnmap of(int ioasId, long iova, long length) {
            return new IommuIoasUnmap(SIZE, ioasId, iova, length);
        }
        public static IommuIoasUnmap all(int ioasId) { return of(ioasId, 0, -1L); }
        public record Reply(long length) {}
    }

    /** IOMMU_OPTION: get or set RLIMIT_MODE (context-wide) or HUGE_PAGES (per IOAS). */
    record IommuOption(int size, int optionId, int op, int reserved, int objectId, long val64)
            implements Ioctl<IommuOption.Reply> {
        public static final int SIZE = 24;
        public static final int RLIMIT_MODE = 0, HUGE_PAGES = 1;
        public static final int OP_SET = 0, OP_GET = 1;
        public static IommuOption of(int optionId, int op, int objectId, long val64) {
            return new IommuOption(SIZE, optionId, op, 0, objectId, val64);
        }
        public record Reply(long val64) {}
    }

    /** IOMMU_VFIO_IOAS: get, set or clear the IOAS the VFIO compatibility layer uses. */
    record IommuVfioIoas(int size, int ioasId, int op, int reserved) implements Ioctl<IommuVfioIoas.Reply> {
        public static final int SIZE = 12;
        public static final int OP_GET = 0, OP_SET = 1, OP_CLEAR = 2;
        public static IommuVfioIoas of(int op, int ioasId) { return new IommuVfioIoas(SIZE, ioasId, op, 0); }
        public record Reply(int ioasId) {}
    }

    /** IOMMU_HWPT_ALLOC: a manual paging HWPT for a device on an IOAS. */
    record IommuHwptAlloc(int size, int flags, int devId, int ptId, int reserved)
            implements Ioctl<IommuHwptAlloc.Reply> {
        public static final int SIZE = 24;
        public static IommuHwptAlloc of(int devId, int ptId) { return new IommuHwptAlloc(SIZE, 0, devId, ptId, 0); }
        public record Reply(int outHwptId) {}
    }

    // ---- vfio device file (cdev or from VFIO_GROUP_GET_DEVICE_FD) ----

    /** VFIO_DEVICE_BIND_IOMMUFD: bind a cdev-opened device to the iommufd behind {@code iommufd}. */
    record VfioDeviceBindIommufd(int argsz, int flags, int iommufd) implements Ioctl<VfioDeviceBindIommufd.Reply> {
        public static final int SIZE = 16;
        public static VfioDeviceBindIommufd of(int iommufd) { return new VfioDeviceBindIommufd(SIZE, 0, iommufd); }
        public record Reply(int outDevid) {}
    }

    /** VFIO_DEVICE_ATTACH_IOMMUFD_PT: attach to an IOAS or HWPT; the reply names the HWPT used. */
    record VfioDeviceAttachIommufdPt(int argsz, int flags, int ptId) implements Ioctl<VfioDeviceAttachIommufdPt.Reply> {
        public static final int SIZE = 12;
        public static VfioDeviceAttachIommufdPt of(int ptId) { return new VfioDeviceAttachIommufdPt(SIZE, 0, ptId); }
        public record Reply(int ptId) {}
    }

    /** VFIO_DEVICE_DETACH_IOMMUFD_PT. */
    record VfioDeviceDetachIommufdPt(int argsz, int flags) implements Ioctl<Done> {
        public static final int SIZE = 8;
        public static VfioDeviceDetachIommufdPt of() { return new VfioDeviceDetachIommufdPt(SIZE, 0); }
    }

    /** VFIO_DEVICE_GET_INFO. */
    record VfioDeviceGetInfo(int argsz) implements Ioctl<VfioDeviceGetInfo.Reply> {
        public static final int SIZE = 16;
        public static final int FLAGS_RESET = 1, FLAGS_PCI = 1 << 1;
        public static VfioDeviceGetInfo of() { return new VfioDeviceGetInfo(SIZE); }
        public record Reply(int flags, int numRegions, int numIrqs) {}
    }

    /** VFIO_DEVICE_RESET: function-level reset. */
    record VfioDeviceReset() implements Ioctl<Done> {}

    /** VFIO_DEVICE_GET_PCI_HOT_RESET_INFO: the functions a hot reset would affect. */
    record VfioDeviceGetPciHotResetInfo(int argsz) implements Ioctl<VfioDeviceGetPciHotResetInfo.Reply> {
        public static final int HEADER_SIZE = 12, ENTRY_SIZE = 8;
        public static final int FLAG_DEV_ID = 1, FLAG_DEV_ID_OWNED = 1 << 1;
        public static final int DEVID_OWNED = 0, DEVID_NOT_OWNED = -1;
        /** A request with room for {@code entries} entries. */
        public static VfioDeviceGetPciHotResetInfo withRoomFor(int entries) {
            return new VfioDeviceGetPciHotResetInfo(HEADER_SIZE + ENTRY_SIZE * entries);
        }
        /** {@code groupIdOrDevid} is the IOMMU group id (group path) or a devid / OWNED / NOT_OWNED (cdev path). */
        public record Entry(int groupIdOrDevid, int segment, int bus, int devfn) {}
        public record Reply(int flags, int count, List<Entry> devices) {}
    }

    /** VFIO_DEVICE_PCI_HOT_RESET: group fds proving ownership, or none (cdev: ownership through the iommufd). */
    record VfioDevicePciHotReset(int argsz, int flags, List<Integer> groupFds) implements Ioctl<Done> {
        public static final int HEADER_SIZE = 12;
        public VfioDevicePciHotReset { groupFds = List.copyOf(groupFds); }
        public static VfioDevicePciHotReset of(List<Integer> groupFds) {
            return new VfioDevicePciHotReset(HEADER_SIZE + 4 * groupFds.size(), 0, groupFds);
        }
    }

    /** An ioctl number this model has no record for: drivers answer it as they do any unknown command. */
    record UnknownIoctl(int type, int nr) implements Ioctl<Done> {}

    // ---- vfio group file (/dev/vfio/N) ----

    /** VFIO_GROUP_GET_STATUS. */
    record VfioGroupGetStatus(int argsz) implements Ioctl<VfioGroupGetStatus.Reply> {
        public static final int SIZE = 8;
        public static final int FLAGS_VIABLE = 1, FLAGS_CONTAINER_SET = 1 << 1;
        public static VfioGroupGetStatus of() { return new VfioGroupGetStatus(SIZE); }
        public record Reply(int flags) {}
    }

    /** VFIO_GROUP_SET_CONTAINER: {@code fd} is a container, {@code /dev/iommu} or compat iommufd. */
    record VfioGroupSetContainer(int fd) implements Ioctl<Done> {}

    /** VFIO_GROUP_UNSET_CONTAINER. */
    record VfioGroupUnsetContainer() implements Ioctl<Done> {}

    /** VFIO_GROUP_GET_DEVICE_FD: a new device fd for the named device (a PCI BDF or an mdev name). */
    record VfioGroupGetDeviceFd(String name) implements Ioctl<VfioGroupGetDeviceFd.Reply> {
        public record Reply(int fd) {}
    }

    // ---- vfio container (/dev/vfio/vfio, or an iommufd in compat) ----

    /** VFIO_GET_API_VERSION. */
    record VfioGetApiVersion() implements Ioctl<VfioGetApiVersion.Reply> {
        public static final int VFIO_API_VERSION = 0;
        public record Reply(int version) {}
    }

    /** VFIO_CHECK_EXTENSION. */
    record VfioCheckExtension(int extension) implements Ioctl<VfioCheckExtension.Reply> {
        public static final int TYPE1_IOMMU = 1, TYPE1V2_IOMMU = 3, DMA_CC_IOMMU = 4, NOIOMMU_IOMMU = 8,
                UNMAP_ALL = 9;
        public record Reply(int supported) {}
    }

    /** VFIO_SET_IOMMU. */
    record VfioSetIommu(int type) implements Ioctl<Done> {}

    /** VFIO_IOMMU_MAP_DMA. */
    record VfioIommuMapDma(int argsz, int flags, long vaddr, long iova, long size) implements Ioctl<Done> {
        public static final int SIZE = 32;
        public static final int FLAG_READ = 1, FLAG_WRITE = 2;
        public static VfioIommuMapDma of(int flags, long vaddr, long iova, long size) {
            return new VfioIommuMapDma(SIZE, flags, vaddr, iova, size);
        }
    }

    /** VFIO_IOMMU_UNMAP_DMA; the reply's size is the number of bytes unmapped. */
    record VfioIommuUnmapDma(int argsz, int flags, long iova, long size) implements Ioctl<VfioIommuUnmapDma.Reply> {
        public static final int SIZE = 24;
        public static final int FLAG_GET_DIRTY_BITMAP = 1, FLAG_ALL = 1 << 1, FLAG_VADDR = 1 << 2;
        public static VfioIommuUnmapDma of(int flags, long iova, long size) {
            return new VfioIommuUnmapDma(SIZE, flags, iova, size);
        }
        public record Reply(long size) {}
    }

    // ---- kvm (/dev/kvm, VM fd, device fd) ----

    /** KVM_CREATE_VM on /dev/kvm: a VM fd. */
    record KvmCreateVm(int type) implements Ioctl<KvmCreateVm.Reply> {
        public record Reply(int fd) {}
    }

    /** KVM_CREATE_DEVICE on a VM fd; type 4 is KVM_DEV_TYPE_VFIO. */
    record KvmCreateDevice(int type, int flags) implements Ioctl<KvmCreateDevice.Reply> {
        public static final int KVM_DEV_TYPE_VFIO = 4;
        public record Reply(int fd) {}
    }

    /**
     * KVM_SET_DEVICE_ATTR on a KVM-VFIO device fd; {@code fd} is the s32 that {@code addr} points at.
     * {@code group} 1 is KVM_DEV_VFIO_FILE, {@code attr} 1 ADD and 2 DEL.
     */
    record KvmSetDeviceAttr(int flags, int group, long attr, int fd) implements Ioctl<Done> {
        public static final int KVM_DEV_VFIO_FILE = 1;
        public static final long FILE_ADD = 1, FILE_DEL = 2, GROUP_SET_SPAPR_TCE = 3;
        public static KvmSetDeviceAttr fileAdd(int fd) { return new KvmSetDeviceAttr(0, KVM_DEV_VFIO_FILE, FILE_ADD, fd); }
        public static KvmSetDeviceAttr fileDel(int fd) { return new KvmSetDeviceAttr(0, KVM_DEV_VFIO_FILE, FILE_DEL, fd); }
    }
}
