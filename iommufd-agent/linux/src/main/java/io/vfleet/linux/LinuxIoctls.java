package io.vfleet.linux;

import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_DESTROY;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_DESTROY_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_HWPT_ALLOC;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_HWPT_ALLOC_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_ALLOC;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_ALLOC_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_ALLOW_IOVAS;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_ALLOW_IOVAS_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_COPY;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_COPY_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_IOVA_RANGES;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_IOVA_RANGES_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_MAP;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_MAP_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_UNMAP;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOAS_UNMAP_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_IOVA_RANGE;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_OPTION;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_OPTION_STRUCT;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_VFIO_IOAS;
import static io.vfleet.linux.uapi.IommufdUapi.IOMMU_VFIO_IOAS_STRUCT;
import static io.vfleet.linux.uapi.VfioUapi.VFIO_PCI_DEPENDENT_DEVICE;

import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.linux.LibC.SystemCallFailed;
import io.vfleet.linux.uapi.Ioc;
import io.vfleet.linux.uapi.KvmUapi;
import io.vfleet.linux.uapi.Struct;
import io.vfleet.linux.uapi.VfioUapi;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Each of the engine's {@link Ioctl} records as the ioctl(2) a VMM makes: the struct filled in from the
 * record's fields bit for bit, the call, and the reply read back from what the kernel wrote. Nothing
 * the kernel checks is checked here; where a record names a file descriptor, the process's number is
 * replaced by the agent's real one, and a descriptor the kernel returns becomes the process's.
 */
final class LinuxIoctls {
    /** A descriptor number no file has (beyond any fd table), for a process fd that is not open: EBADF as before. */
    static final int NOT_OPEN = Integer.MAX_VALUE;

    /** How the calling process's descriptor numbers map to the agent's. */
    interface Descriptors {
        /** The agent's descriptor for the process's {@code fd}; {@link #NOT_OPEN} when it has none, negative ones unchanged. */
        int real(int fd);

        /** A descriptor the kernel just returned, taken into the process; its number there. */
        int install(int real);
    }

    private LinuxIoctls() {
    }

    /** Makes {@code request} on the real descriptor {@code fd}; a refusal is the kernel's errno. */
    static Object call(int fd, Ioctl<?> request, Descriptors files) throws SystemCallFailed {
        try (CallMemory memory = new CallMemory()) {
            return switch (request) {
                case Ioctl.IommuDestroy r -> {
                    Struct s = memory.struct(IOMMU_DESTROY_STRUCT, unsigned(r.size())).put("size", r.size()).put("id", r.id());
                    LibC.ioctl(fd, IOMMU_DESTROY, s.address());
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.IommuIoasAlloc r -> {
                    Struct s = memory.struct(IOMMU_IOAS_ALLOC_STRUCT, unsigned(r.size())).put("size", r.size()).put("flags", r.flags());
                    LibC.ioctl(fd, IOMMU_IOAS_ALLOC, s.address());
                    yield new Ioctl.IommuIoasAlloc.Reply(s.int32("out_ioas_id"));
                }
                case Ioctl.IommuIoasAllowIovas r -> {
                    MemorySegment ranges = memory.bytes(IOMMU_IOVA_RANGE.byteSize() * r.allowedIovas().size());
                    for (int index = 0; index < r.allowedIovas().size(); index++) {
                        IovaRange range = r.allowedIovas().get(index);
                        range(ranges, index).put("start", range.start()).put("last", range.last());
                    }
                    Struct s = memory.struct(IOMMU_IOAS_ALLOW_IOVAS_STRUCT, unsigned(r.size())).put("size", r.size())
                            .put("ioas_id", r.ioasId()).put("num_iovas", r.allowedIovas().size())
                            .put("__reserved", r.reserved()).put("allowed_iovas", ranges.address());
                    LibC.ioctl(fd, IOMMU_IOAS_ALLOW_IOVAS, s.address());
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.IommuIoasCopy r -> {
                    Struct s = memory.struct(IOMMU_IOAS_COPY_STRUCT, unsigned(r.size())).put("size", r.size()).put("flags", r.flags())
                            .put("dst_ioas_id", r.dstIoasId()).put("src_ioas_id", r.srcIoasId()).put("length", r.length())
                            .put("dst_iova", r.dstIova()).put("src_iova", r.srcIova());
                    LibC.ioctl(fd, IOMMU_IOAS_COPY, s.address());
                    yield new Ioctl.IommuIoasCopy.Reply(s.unsigned("dst_iova"));
                }
                case Ioctl.IommuIoasIovaRanges r -> iovaRanges(fd, r, memory);
                case Ioctl.IommuIoasMap r -> {
                    Struct s = memory.struct(IOMMU_IOAS_MAP_STRUCT, unsigned(r.size())).put("size", r.size()).put("flags", r.flags())
                            .put("ioas_id", r.ioasId()).put("__reserved", r.reserved()).put("user_va", r.userVa())
                            .put("length", r.length()).put("iova", r.iova());
                    LibC.ioctl(fd, IOMMU_IOAS_MAP, s.address());
                    yield new Ioctl.IommuIoasMap.Reply(s.unsigned("iova"));
                }
                case Ioctl.IommuIoasUnmap r -> {
                    Struct s = memory.struct(IOMMU_IOAS_UNMAP_STRUCT, unsigned(r.size())).put("size", r.size()).put("ioas_id", r.ioasId())
                            .put("iova", r.iova()).put("length", r.length());
                    LibC.ioctl(fd, IOMMU_IOAS_UNMAP, s.address());
                    yield new Ioctl.IommuIoasUnmap.Reply(s.unsigned("length"));
                }
                case Ioctl.IommuOption r -> {
                    Struct s = memory.struct(IOMMU_OPTION_STRUCT, unsigned(r.size())).put("size", r.size()).put("option_id", r.optionId())
                            .put("op", r.op()).put("__reserved", r.reserved()).put("object_id", r.objectId()).put("val64", r.val64());
                    LibC.ioctl(fd, IOMMU_OPTION, s.address());
                    yield new Ioctl.IommuOption.Reply(s.unsigned("val64"));
                }
                case Ioctl.IommuVfioIoas r -> {
                    Struct s = memory.struct(IOMMU_VFIO_IOAS_STRUCT, unsigned(r.size())).put("size", r.size()).put("ioas_id", r.ioasId())
                            .put("op", r.op()).put("__reserved", r.reserved());
                    LibC.ioctl(fd, IOMMU_VFIO_IOAS, s.address());
                    yield new Ioctl.IommuVfioIoas.Reply(s.int32("ioas_id"));
                }
                case Ioctl.IommuHwptAlloc r -> {
                    Struct s = memory.struct(IOMMU_HWPT_ALLOC_STRUCT, unsigned(r.size())).put("size", r.size()).put("flags", r.flags())
                            .put("dev_id", r.devId()).put("pt_id", r.ptId()).put("__reserved", r.reserved());
                    LibC.ioctl(fd, IOMMU_HWPT_ALLOC, s.address());
                    yield new Ioctl.IommuHwptAlloc.Reply(s.int32("out_hwpt_id"));
                }
                case Ioctl.VfioDeviceBindIommufd r -> {
                    Struct s = memory.struct(VfioUapi.VFIO_DEVICE_BIND_IOMMUFD_STRUCT).put("argsz", r.argsz()).put("flags", r.flags())
                            .put("iommufd", files.real(r.iommufd()));
                    LibC.ioctl(fd, VfioUapi.VFIO_DEVICE_BIND_IOMMUFD, s.address());
                    yield new Ioctl.VfioDeviceBindIommufd.Reply(s.int32("out_devid"));
                }
                case Ioctl.VfioDeviceAttachIommufdPt r -> {
                    Struct s = memory.struct(VfioUapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT_STRUCT).put("argsz", r.argsz())
                            .put("flags", r.flags()).put("pt_id", r.ptId());
                    LibC.ioctl(fd, VfioUapi.VFIO_DEVICE_ATTACH_IOMMUFD_PT, s.address());
                    yield new Ioctl.VfioDeviceAttachIommufdPt.Reply(s.int32("pt_id"));
                }
                case Ioctl.VfioDeviceDetachIommufdPt r -> {
                    Struct s = memory.struct(VfioUapi.VFIO_DEVICE_DETACH_IOMMUFD_PT_STRUCT).put("argsz", r.argsz()).put("flags", r.flags());
                    LibC.ioctl(fd, VfioUapi.VFIO_DEVICE_DETACH_IOMMUFD_PT, s.address());
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.VfioDeviceGetInfo r -> {
                    Struct s = memory.struct(VfioUapi.VFIO_DEVICE_INFO).put("argsz", r.argsz());
                    LibC.ioctl(fd, VfioUapi.VFIO_DEVICE_GET_INFO, s.address());
                    yield new Ioctl.VfioDeviceGetInfo.Reply(s.int32("flags"), s.int32("num_regions"), s.int32("num_irqs"));
                }
                case Ioctl.VfioDeviceReset r -> {
                    LibC.ioctl(fd, VfioUapi.VFIO_DEVICE_RESET, 0);
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.VfioDeviceGetPciHotResetInfo r -> hotResetInfo(fd, r, memory);
                case Ioctl.VfioDevicePciHotReset r -> {
                    long header = VfioUapi.VFIO_PCI_HOT_RESET.byteSize();
                    Struct s = memory.struct(VfioUapi.VFIO_PCI_HOT_RESET, header + 4L * r.groupFds().size())
                            .put("argsz", r.argsz()).put("flags", r.flags()).put("count", r.groupFds().size());
                    for (int index = 0; index < r.groupFds().size(); index++) {
                        s.memory().set(ValueLayout.JAVA_INT, header + 4L * index, files.real(r.groupFds().get(index)));
                    }
                    LibC.ioctl(fd, VfioUapi.VFIO_DEVICE_PCI_HOT_RESET, s.address());
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.UnknownIoctl r -> {
                    LibC.ioctl(fd, Ioc.none(r.type(), r.nr()), 0);
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.VfioGroupGetStatus r -> {
                    Struct s = memory.struct(VfioUapi.VFIO_GROUP_STATUS).put("argsz", r.argsz());
                    LibC.ioctl(fd, VfioUapi.VFIO_GROUP_GET_STATUS, s.address());
                    yield new Ioctl.VfioGroupGetStatus.Reply(s.int32("flags"));
                }
                case Ioctl.VfioGroupSetContainer r -> {
                    MemorySegment container = memory.bytes(4);
                    container.set(ValueLayout.JAVA_INT, 0, files.real(r.fd()));
                    LibC.ioctl(fd, VfioUapi.VFIO_GROUP_SET_CONTAINER, container.address());
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.VfioGroupUnsetContainer r -> {
                    LibC.ioctl(fd, VfioUapi.VFIO_GROUP_UNSET_CONTAINER, 0);
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.VfioGroupGetDeviceFd r -> {
                    int device = LibC.ioctl(fd, VfioUapi.VFIO_GROUP_GET_DEVICE_FD, memory.string(r.name()).address());
                    yield new Ioctl.VfioGroupGetDeviceFd.Reply(files.install(device));
                }
                case Ioctl.VfioGetApiVersion r -> new Ioctl.VfioGetApiVersion.Reply(LibC.ioctl(fd, VfioUapi.VFIO_GET_API_VERSION, 0));
                case Ioctl.VfioCheckExtension r -> new Ioctl.VfioCheckExtension.Reply(
                        LibC.ioctl(fd, VfioUapi.VFIO_CHECK_EXTENSION, Integer.toUnsignedLong(r.extension())));
                case Ioctl.VfioSetIommu r -> {
                    LibC.ioctl(fd, VfioUapi.VFIO_SET_IOMMU, Integer.toUnsignedLong(r.type()));
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.VfioIommuMapDma r -> {
                    Struct s = memory.struct(VfioUapi.VFIO_IOMMU_TYPE1_DMA_MAP).put("argsz", r.argsz()).put("flags", r.flags())
                            .put("vaddr", r.vaddr()).put("iova", r.iova()).put("size", r.size());
                    LibC.ioctl(fd, VfioUapi.VFIO_IOMMU_MAP_DMA, s.address());
                    yield Ioctl.Done.INSTANCE;
                }
                case Ioctl.VfioIommuUnmapDma r -> {
                    Struct s = memory.struct(VfioUapi.VFIO_IOMMU_TYPE1_DMA_UNMAP).put("argsz", r.argsz()).put("flags", r.flags())
                            .put("iova", r.iova()).put("size", r.size());
                    LibC.ioctl(fd, VfioUapi.VFIO_IOMMU_UNMAP_DMA, s.address());
                    yield new Ioctl.VfioIommuUnmapDma.Reply(s.unsigned("size"));
                }
                case Ioctl.KvmCreateVm r -> new Ioctl.KvmCreateVm.Reply(
                        files.install(LibC.ioctl(fd, KvmUapi.KVM_CREATE_VM, Integer.toUnsignedLong(r.type()))));
                case Ioctl.KvmCreateDevice r -> {
                    Struct s = memory.struct(KvmUapi.KVM_CREATE_DEVICE_STRUCT).put("type", r.type()).put("flags", r.flags());
                    LibC.ioctl(fd, KvmUapi.KVM_CREATE_DEVICE, s.address());
                    yield new Ioctl.KvmCreateDevice.Reply(files.install(s.int32("fd")));
                }
                case Ioctl.KvmSetDeviceAttr r -> {
                    MemorySegment file = memory.bytes(4);
                    file.set(ValueLayout.JAVA_INT, 0, files.real(r.fd()));
                    Struct s = memory.struct(KvmUapi.KVM_DEVICE_ATTR).put("flags", r.flags()).put("group", r.group())
                            .put("attr", r.attr()).put("addr", file.address());
                    LibC.ioctl(fd, KvmUapi.KVM_SET_DEVICE_ATTR, s.address());
                    yield Ioctl.Done.INSTANCE;
                }
            };
        }
    }

    /** EMSGSIZE still wrote the header and the ranges that fit: that is the failure's partial reply. */
    private static Object iovaRanges(int fd, Ioctl.IommuIoasIovaRanges r, CallMemory memory) throws SystemCallFailed {
        long capacity = Integer.toUnsignedLong(r.numIovas());
        MemorySegment ranges = memory.bytes(IOMMU_IOVA_RANGE.byteSize() * capacity);
        Struct s = memory.struct(IOMMU_IOAS_IOVA_RANGES_STRUCT, unsigned(r.size())).put("size", r.size())
                .put("ioas_id", r.ioasId()).put("num_iovas", r.numIovas()).put("__reserved", r.reserved())
                .put("allowed_iovas", ranges.address());
        try {
            LibC.ioctl(fd, IOMMU_IOAS_IOVA_RANGES, s.address());
        } catch (SystemCallFailed failed) {
            if (failed.errno() == io.vfleet.engine.Errno.EMSGSIZE.number()) {
                throw new KernelException(io.vfleet.engine.Errno.EMSGSIZE, failed.getMessage(), iovaRangesReply(s, ranges, capacity));
            }
            throw failed;
        }
        return iovaRangesReply(s, ranges, capacity);
    }

    private static Ioctl.IommuIoasIovaRanges.Reply iovaRangesReply(Struct s, MemorySegment ranges, long capacity) {
        int total = s.int32("num_iovas");
        List<IovaRange> written = new ArrayList<>();
        for (int index = 0; index < Math.min(capacity, Integer.toUnsignedLong(total)); index++) {
            Struct range = range(ranges, index);
            written.add(new IovaRange(range.unsigned("start"), range.unsigned("last")));
        }
        return new Ioctl.IommuIoasIovaRanges.Reply(total, written, s.unsigned("out_iova_alignment"));
    }

    /** ENOSPC still wrote the header with the count needed: that is the failure's partial reply. */
    private static Object hotResetInfo(int fd, Ioctl.VfioDeviceGetPciHotResetInfo r, CallMemory memory) throws SystemCallFailed {
        long header = VfioUapi.VFIO_PCI_HOT_RESET_INFO.byteSize();
        long room = Math.max(0, (Integer.toUnsignedLong(r.argsz()) - header) / VFIO_PCI_DEPENDENT_DEVICE.byteSize());
        // The kernel writes no more entries than there are functions on a bus: 256 at most.
        long entries = Math.min(room, 256);
        Struct s = memory.struct(VfioUapi.VFIO_PCI_HOT_RESET_INFO, header + entries * VFIO_PCI_DEPENDENT_DEVICE.byteSize())
                .put("argsz", r.argsz());
        try {
            LibC.ioctl(fd, VfioUapi.VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, s.address());
        } catch (SystemCallFailed failed) {
            if (failed.errno() == io.vfleet.engine.Errno.ENOSPC.number()) {
                throw new KernelException(io.vfleet.engine.Errno.ENOSPC, failed.getMessage(),
                        new Ioctl.VfioDeviceGetPciHotResetInfo.Reply(s.int32("flags"), s.int32("count"), List.of()));
            }
            throw failed;
        }
        List<Ioctl.VfioDeviceGetPciHotResetInfo.Entry> devices = new ArrayList<>();
        for (int index = 0; index < Math.min(entries, Integer.toUnsignedLong(s.int32("count"))); index++) {
            Struct entry = new Struct(VFIO_PCI_DEPENDENT_DEVICE,
                    s.memory().asSlice(header + index * VFIO_PCI_DEPENDENT_DEVICE.byteSize(), VFIO_PCI_DEPENDENT_DEVICE.byteSize()));
            devices.add(new Ioctl.VfioDeviceGetPciHotResetInfo.Entry(entry.int32("group_id"), (int) entry.unsigned("segment"),
                    (int) entry.unsigned("bus"), (int) entry.unsigned("devfn")));
        }
        return new Ioctl.VfioDeviceGetPciHotResetInfo.Reply(s.int32("flags"), s.int32("count"), devices);
    }

    private static Struct range(MemorySegment ranges, long index) {
        long size = IOMMU_IOVA_RANGE.byteSize();
        return new Struct(IOMMU_IOVA_RANGE, ranges.asSlice(index * size, size));
    }

    private static long unsigned(int value) {
        return Integer.toUnsignedLong(value);
    }
}
