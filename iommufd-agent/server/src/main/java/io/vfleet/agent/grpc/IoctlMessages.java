package io.vfleet.agent.grpc;

import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IoctlResponse;
import io.vfleet.api.agent.v1.IommuDestroyReply;
import io.vfleet.api.agent.v1.IommuHwptAllocReply;
import io.vfleet.api.agent.v1.IommuIoasAllocReply;
import io.vfleet.api.agent.v1.IommuIoasAllowIovasReply;
import io.vfleet.api.agent.v1.IommuIoasCopyReply;
import io.vfleet.api.agent.v1.IommuIoasIovaRangesReply;
import io.vfleet.api.agent.v1.IommuIoasMapReply;
import io.vfleet.api.agent.v1.IommuIoasUnmapReply;
import io.vfleet.api.agent.v1.IommuOptionReply;
import io.vfleet.api.agent.v1.IommuVfioIoasReply;
import io.vfleet.api.agent.v1.KvmCreateDeviceReply;
import io.vfleet.api.agent.v1.KvmCreateVmReply;
import io.vfleet.api.agent.v1.KvmSetDeviceAttrReply;
import io.vfleet.api.agent.v1.PciDependentDevice;
import io.vfleet.api.agent.v1.UnknownIoctlReply;
import io.vfleet.api.agent.v1.VfioCheckExtensionReply;
import io.vfleet.api.agent.v1.VfioDeviceAttachIommufdPtReply;
import io.vfleet.api.agent.v1.VfioDeviceBindIommufdReply;
import io.vfleet.api.agent.v1.VfioDeviceDetachIommufdPtReply;
import io.vfleet.api.agent.v1.VfioDeviceGetInfoReply;
import io.vfleet.api.agent.v1.VfioDeviceGetPciHotResetInfoReply;
import io.vfleet.api.agent.v1.VfioDevicePciHotResetReply;
import io.vfleet.api.agent.v1.VfioDeviceResetReply;
import io.vfleet.api.agent.v1.VfioGetApiVersionReply;
import io.vfleet.api.agent.v1.VfioGroupGetDeviceFdReply;
import io.vfleet.api.agent.v1.VfioGroupGetStatusReply;
import io.vfleet.api.agent.v1.VfioGroupSetContainerReply;
import io.vfleet.api.agent.v1.VfioGroupUnsetContainerReply;
import io.vfleet.api.agent.v1.VfioIommuMapDmaReply;
import io.vfleet.api.agent.v1.VfioIommuUnmapDmaReply;
import io.vfleet.api.agent.v1.VfioSetIommuReply;
import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.uapi.Ioctl;
import java.util.List;

/**
 * Translates between the wire's ioctl messages ({@code syscalls.proto}) and the engine's
 * {@link Ioctl} records, field by field and bit for bit: a u32 travels as the int with the same bits,
 * a u64 as the long. Nothing is checked here that the kernel checks; the only refusal is a request
 * with no ioctl in it, which cannot be said to the kernel at all.
 */
final class IoctlMessages {
    private IoctlMessages() {
    }

    /** The engine's record for the request's ioctl; an absent size or argsz is the struct's real size. */
    static Ioctl<?> toEngine(IoctlRequest request) {
        return switch (request.getRequestCase()) {
            case IOMMU_DESTROY -> {
                var m = request.getIommuDestroy();
                yield new Ioctl.IommuDestroy(m.hasSize() ? m.getSize() : Ioctl.IommuDestroy.SIZE, m.getId());
            }
            case IOMMU_IOAS_ALLOC -> {
                var m = request.getIommuIoasAlloc();
                yield new Ioctl.IommuIoasAlloc(m.hasSize() ? m.getSize() : Ioctl.IommuIoasAlloc.SIZE, m.getFlags());
            }
            case IOMMU_IOAS_ALLOW_IOVAS -> {
                var m = request.getIommuIoasAllowIovas();
                yield new Ioctl.IommuIoasAllowIovas(m.hasSize() ? m.getSize() : Ioctl.IommuIoasAllowIovas.SIZE,
                        m.getIoasId(), m.getReservedBits(), ranges(m.getAllowedIovasList()));
            }
            case IOMMU_IOAS_COPY -> {
                var m = request.getIommuIoasCopy();
                yield new Ioctl.IommuIoasCopy(m.hasSize() ? m.getSize() : Ioctl.IommuIoasCopy.SIZE, m.getFlags(),
                        m.getDstIoasId(), m.getSrcIoasId(), m.getLength(), m.getDstIova(), m.getSrcIova());
            }
            case IOMMU_IOAS_IOVA_RANGES -> {
                var m = request.getIommuIoasIovaRanges();
                yield new Ioctl.IommuIoasIovaRanges(m.hasSize() ? m.getSize() : Ioctl.IommuIoasIovaRanges.SIZE,
                        m.getIoasId(), m.getNumIovas(), m.getReservedBits());
            }
            case IOMMU_IOAS_MAP -> {
                var m = request.getIommuIoasMap();
                yield new Ioctl.IommuIoasMap(m.hasSize() ? m.getSize() : Ioctl.IommuIoasMap.SIZE, m.getFlags(),
                        m.getIoasId(), m.getReservedBits(), m.getUserVa(), m.getLength(), m.getIova());
            }
            case IOMMU_IOAS_UNMAP -> {
                var m = request.getIommuIoasUnmap();
                yield new Ioctl.IommuIoasUnmap(m.hasSize() ? m.getSize() : Ioctl.IommuIoasUnmap.SIZE,
                        m.getIoasId(), m.getIova(), m.getLength());
            }
            case IOMMU_OPTION -> {
                var m = request.getIommuOption();
                yield new Ioctl.IommuOption(m.hasSize() ? m.getSize() : Ioctl.IommuOption.SIZE, m.getOptionId(),
                        m.getOp(), m.getReservedBits(), m.getObjectId(), m.getVal64());
            }
            case IOMMU_VFIO_IOAS -> {
                var m = request.getIommuVfioIoas();
                yield new Ioctl.IommuVfioIoas(m.hasSize() ? m.getSize() : Ioctl.IommuVfioIoas.SIZE, m.getIoasId(),
                        m.getOp(), m.getReservedBits());
            }
            case IOMMU_HWPT_ALLOC -> {
                var m = request.getIommuHwptAlloc();
                yield new Ioctl.IommuHwptAlloc(m.hasSize() ? m.getSize() : Ioctl.IommuHwptAlloc.SIZE, m.getFlags(),
                        m.getDevId(), m.getPtId(), m.getReservedBits());
            }
            case VFIO_DEVICE_BIND_IOMMUFD -> {
                var m = request.getVfioDeviceBindIommufd();
                yield new Ioctl.VfioDeviceBindIommufd(m.hasArgsz() ? m.getArgsz() : Ioctl.VfioDeviceBindIommufd.SIZE,
                        m.getFlags(), m.getIommufd());
            }
            case VFIO_DEVICE_ATTACH_IOMMUFD_PT -> {
                var m = request.getVfioDeviceAttachIommufdPt();
                yield new Ioctl.VfioDeviceAttachIommufdPt(
                        m.hasArgsz() ? m.getArgsz() : Ioctl.VfioDeviceAttachIommufdPt.SIZE, m.getFlags(), m.getPtId());
            }
            case VFIO_DEVICE_DETACH_IOMMUFD_PT -> {
                var m = request.getVfioDeviceDetachIommufdPt();
                yield new Ioctl.VfioDeviceDetachIommufdPt(
                        m.hasArgsz() ? m.getArgsz() : Ioctl.VfioDeviceDetachIommufdPt.SIZE, m.getFlags());
            }
            case VFIO_DEVICE_GET_INFO -> {
                var m = request.getVfioDeviceGetInfo();
                yield new Ioctl.VfioDeviceGetInfo(m.hasArgsz() ? m.getArgsz() : Ioctl.VfioDeviceGetInfo.SIZE);
            }
            case VFIO_DEVICE_RESET -> new Ioctl.VfioDeviceReset();
            case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO -> {
                var m = request.getVfioDeviceGetPciHotResetInfo();
                yield new Ioctl.VfioDeviceGetPciHotResetInfo(
                        m.hasArgsz() ? m.getArgsz() : Ioctl.VfioDeviceGetPciHotResetInfo.HEADER_SIZE);
            }
            case VFIO_DEVICE_PCI_HOT_RESET -> {
                var m = request.getVfioDevicePciHotReset();
                yield new Ioctl.VfioDevicePciHotReset(
                        m.hasArgsz() ? m.getArgsz() : Ioctl.VfioDevicePciHotReset.HEADER_SIZE + 4 * m.getGroupFdsCount(),
                        m.getFlags(), m.getGroupFdsList());
            }
            case VFIO_GROUP_GET_STATUS -> {
                var m = request.getVfioGroupGetStatus();
                yield new Ioctl.VfioGroupGetStatus(m.hasArgsz() ? m.getArgsz() : Ioctl.VfioGroupGetStatus.SIZE);
            }
            case VFIO_GROUP_SET_CONTAINER -> new Ioctl.VfioGroupSetContainer(request.getVfioGroupSetContainer().getContainerFd());
            case VFIO_GROUP_UNSET_CONTAINER -> new Ioctl.VfioGroupUnsetContainer();
            case VFIO_GROUP_GET_DEVICE_FD -> new Ioctl.VfioGroupGetDeviceFd(request.getVfioGroupGetDeviceFd().getName());
            case VFIO_GET_API_VERSION -> new Ioctl.VfioGetApiVersion();
            case VFIO_CHECK_EXTENSION -> new Ioctl.VfioCheckExtension(request.getVfioCheckExtension().getExtension());
            case VFIO_SET_IOMMU -> new Ioctl.VfioSetIommu(request.getVfioSetIommu().getType());
            case VFIO_IOMMU_MAP_DMA -> {
                var m = request.getVfioIommuMapDma();
                yield new Ioctl.VfioIommuMapDma(m.hasArgsz() ? m.getArgsz() : Ioctl.VfioIommuMapDma.SIZE, m.getFlags(),
                        m.getVaddr(), m.getIova(), m.getSize());
            }
            case VFIO_IOMMU_UNMAP_DMA -> {
                var m = request.getVfioIommuUnmapDma();
                yield new Ioctl.VfioIommuUnmapDma(m.hasArgsz() ? m.getArgsz() : Ioctl.VfioIommuUnmapDma.SIZE,
                        m.getFlags(), m.getIova(), m.getSize());
            }
            case KVM_CREATE_VM -> new Ioctl.KvmCreateVm(request.getKvmCreateVm().getType());
            case KVM_CREATE_DEVICE -> {
                var m = request.getKvmCreateDevice();
                yield new Ioctl.KvmCreateDevice(m.getType(), m.getFlags());
            }
            case KVM_SET_DEVICE_ATTR -> {
                var m = request.getKvmSetDeviceAttr();
                yield new Ioctl.KvmSetDeviceAttr(m.getFlags(), m.getGroup(), m.getAttr(), m.getFd());
            }
            case UNKNOWN_IOCTL -> {
                var m = request.getUnknownIoctl();
                yield new Ioctl.UnknownIoctl(m.getType(), m.getNr());
            }
            case REQUEST_NOT_SET -> throw KernelStatus.invalidField("request", "no ioctl is set in the oneof");
        };
    }

    /** The wire reply for {@code reply}, which the engine answered to a request of {@code ioctl}'s case. */
    static IoctlResponse toWire(IoctlRequest.RequestCase ioctl, Object reply) {
        IoctlResponse.Builder response = IoctlResponse.newBuilder();
        switch (ioctl) {
            case IOMMU_DESTROY -> response.setIommuDestroy(IommuDestroyReply.getDefaultInstance());
            case IOMMU_IOAS_ALLOC -> response.setIommuIoasAlloc(IommuIoasAllocReply.newBuilder()
                    .setOutIoasId(((Ioctl.IommuIoasAlloc.Reply) reply).outIoasId()));
            case IOMMU_IOAS_ALLOW_IOVAS -> response.setIommuIoasAllowIovas(IommuIoasAllowIovasReply.getDefaultInstance());
            case IOMMU_IOAS_COPY -> response.setIommuIoasCopy(IommuIoasCopyReply.newBuilder()
                    .setDstIova(((Ioctl.IommuIoasCopy.Reply) reply).dstIova()));
            case IOMMU_IOAS_IOVA_RANGES -> {
                var ranges = (Ioctl.IommuIoasIovaRanges.Reply) reply;
                response.setIommuIoasIovaRanges(IommuIoasIovaRangesReply.newBuilder()
                        .setNumIovas(ranges.numIovas())
                        .addAllAllowedIovas(ranges.allowedIovas().stream().map(IoctlMessages::range).toList())
                        .setOutIovaAlignment(ranges.outIovaAlignment()));
            }
            case IOMMU_IOAS_MAP -> response.setIommuIoasMap(IommuIoasMapReply.newBuilder()
                    .setIova(((Ioctl.IommuIoasMap.Reply) reply).iova()));
            case IOMMU_IOAS_UNMAP -> response.setIommuIoasUnmap(IommuIoasUnmapReply.newBuilder()
                    .setLength(((Ioctl.IommuIoasUnmap.Reply) reply).length()));
            case IOMMU_OPTION -> response.setIommuOption(IommuOptionReply.newBuilder()
                    .setVal64(((Ioctl.IommuOption.Reply) reply).val64()));
            case IOMMU_VFIO_IOAS -> response.setIommuVfioIoas(IommuVfioIoasReply.newBuilder()
                    .setIoasId(((Ioctl.IommuVfioIoas.Reply) reply).ioasId()));
            case IOMMU_HWPT_ALLOC -> response.setIommuHwptAlloc(IommuHwptAllocReply.newBuilder()
                    .setOutHwptId(((Ioctl.IommuHwptAlloc.Reply) reply).outHwptId()));
            case VFIO_DEVICE_BIND_IOMMUFD -> response.setVfioDeviceBindIommufd(VfioDeviceBindIommufdReply.newBuilder()
                    .setOutDevid(((Ioctl.VfioDeviceBindIommufd.Reply) reply).outDevid()));
            case VFIO_DEVICE_ATTACH_IOMMUFD_PT -> response.setVfioDeviceAttachIommufdPt(
                    VfioDeviceAttachIommufdPtReply.newBuilder().setPtId(((Ioctl.VfioDeviceAttachIommufdPt.Reply) reply).ptId()));
            case VFIO_DEVICE_DETACH_IOMMUFD_PT -> response.setVfioDeviceDetachIommufdPt(
                    VfioDeviceDetachIommufdPtReply.getDefaultInstance());
            case VFIO_DEVICE_GET_INFO -> {
                var info = (Ioctl.VfioDeviceGetInfo.Reply) reply;
                response.setVfioDeviceGetInfo(VfioDeviceGetInfoReply.newBuilder()
                        .setFlags(info.flags()).setNumRegions(info.numRegions()).setNumIrqs(info.numIrqs()));
            }
            case VFIO_DEVICE_RESET -> response.setVfioDeviceReset(VfioDeviceResetReply.getDefaultInstance());
            case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO -> {
                var info = (Ioctl.VfioDeviceGetPciHotResetInfo.Reply) reply;
                response.setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfoReply.newBuilder()
                        .setFlags(info.flags())
                        .setCount(info.count())
                        .addAllDevices(info.devices().stream().map(entry -> PciDependentDevice.newBuilder()
                                .setGroupIdOrDevid(entry.groupIdOrDevid())
                                .setSegment(entry.segment())
                                .setBus(entry.bus())
                                .setDevfn(entry.devfn())
                                .build()).toList()));
            }
            case VFIO_DEVICE_PCI_HOT_RESET -> response.setVfioDevicePciHotReset(VfioDevicePciHotResetReply.getDefaultInstance());
            case VFIO_GROUP_GET_STATUS -> response.setVfioGroupGetStatus(VfioGroupGetStatusReply.newBuilder()
                    .setFlags(((Ioctl.VfioGroupGetStatus.Reply) reply).flags()));
            case VFIO_GROUP_SET_CONTAINER -> response.setVfioGroupSetContainer(VfioGroupSetContainerReply.getDefaultInstance());
            case VFIO_GROUP_UNSET_CONTAINER -> response.setVfioGroupUnsetContainer(VfioGroupUnsetContainerReply.getDefaultInstance());
            case VFIO_GROUP_GET_DEVICE_FD -> response.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFdReply.newBuilder()
                    .setFd(((Ioctl.VfioGroupGetDeviceFd.Reply) reply).fd()));
            case VFIO_GET_API_VERSION -> response.setVfioGetApiVersion(VfioGetApiVersionReply.newBuilder()
                    .setVersion(((Ioctl.VfioGetApiVersion.Reply) reply).version()));
            case VFIO_CHECK_EXTENSION -> response.setVfioCheckExtension(VfioCheckExtensionReply.newBuilder()
                    .setSupported(((Ioctl.VfioCheckExtension.Reply) reply).supported()));
            case VFIO_SET_IOMMU -> response.setVfioSetIommu(VfioSetIommuReply.getDefaultInstance());
            case VFIO_IOMMU_MAP_DMA -> response.setVfioIommuMapDma(VfioIommuMapDmaReply.getDefaultInstance());
            case VFIO_IOMMU_UNMAP_DMA -> response.setVfioIommuUnmapDma(VfioIommuUnmapDmaReply.newBuilder()
                    .setSize(((Ioctl.VfioIommuUnmapDma.Reply) reply).size()));
            case KVM_CREATE_VM -> response.setKvmCreateVm(KvmCreateVmReply.newBuilder()
                    .setFd(((Ioctl.KvmCreateVm.Reply) reply).fd()));
            case KVM_CREATE_DEVICE -> response.setKvmCreateDevice(KvmCreateDeviceReply.newBuilder()
                    .setFd(((Ioctl.KvmCreateDevice.Reply) reply).fd()));
            case KVM_SET_DEVICE_ATTR -> response.setKvmSetDeviceAttr(KvmSetDeviceAttrReply.getDefaultInstance());
            case UNKNOWN_IOCTL -> response.setUnknownIoctl(UnknownIoctlReply.getDefaultInstance());
            case REQUEST_NOT_SET -> throw new AssertionError("a request without an ioctl never reaches the kernel");
        }
        return response.build();
    }

    /**
     * The engine's ranges cannot hold a start above the last byte; the kernel refuses such a range in
     * IOMMU_IOAS_ALLOW_IOVAS with EINVAL, so that is the answer here too.
     */
    private static List<IovaRange> ranges(List<io.vfleet.api.agent.v1.IovaRange> ranges) {
        return ranges.stream().map(range -> {
            if (Long.compareUnsigned(range.getStart(), range.getLast()) > 0) {
                throw Errno.EINVAL.exception("allowed IOVA range starts at 0x" + Long.toUnsignedString(range.getStart(), 16)
                        + ", after its last byte 0x" + Long.toUnsignedString(range.getLast(), 16));
            }
            return new IovaRange(range.getStart(), range.getLast());
        }).toList();
    }

    static io.vfleet.api.agent.v1.IovaRange range(IovaRange range) {
        return io.vfleet.api.agent.v1.IovaRange.newBuilder().setStart(range.start()).setLast(range.last()).build();
    }
}
