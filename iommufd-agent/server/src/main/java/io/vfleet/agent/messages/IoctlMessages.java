package io.vfleet.agent.messages;

import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IoctlResponse;
import io.vfleet.api.agent.v1.IommuDestroy;
import io.vfleet.api.agent.v1.IommuHwptAlloc;
import io.vfleet.api.agent.v1.IommuIoasAlloc;
import io.vfleet.api.agent.v1.IommuIoasAllowIovas;
import io.vfleet.api.agent.v1.IommuIoasCopy;
import io.vfleet.api.agent.v1.IommuIoasIovaRanges;
import io.vfleet.api.agent.v1.IommuIoasMap;
import io.vfleet.api.agent.v1.IommuIoasUnmap;
import io.vfleet.api.agent.v1.IommuOption;
import io.vfleet.api.agent.v1.IommuVfioIoas;
import io.vfleet.api.agent.v1.KvmCreateDevice;
import io.vfleet.api.agent.v1.KvmCreateVm;
import io.vfleet.api.agent.v1.KvmSetDeviceAttr;
import io.vfleet.api.agent.v1.UnknownIoctl;
import io.vfleet.api.agent.v1.VfioCheckExtension;
import io.vfleet.api.agent.v1.VfioDeviceAttachIommufdPt;
import io.vfleet.api.agent.v1.VfioDeviceBindIommufd;
import io.vfleet.api.agent.v1.VfioDeviceDetachIommufdPt;
import io.vfleet.api.agent.v1.VfioDeviceGetInfo;
import io.vfleet.api.agent.v1.VfioDeviceGetPciHotResetInfo;
import io.vfleet.api.agent.v1.VfioDevicePciHotReset;
import io.vfleet.api.agent.v1.VfioDeviceReset;
import io.vfleet.api.agent.v1.VfioGetApiVersion;
import io.vfleet.api.agent.v1.VfioGroupGetDeviceFd;
import io.vfleet.api.agent.v1.VfioGroupGetStatus;
import io.vfleet.api.agent.v1.VfioGroupSetContainer;
import io.vfleet.api.agent.v1.VfioGroupUnsetContainer;
import io.vfleet.api.agent.v1.VfioIommuMapDma;
import io.vfleet.api.agent.v1.VfioIommuUnmapDma;
import io.vfleet.api.agent.v1.VfioSetIommu;
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
 * Translates between the ioctl messages of {@code syscalls.proto} and the engine's {@link Ioctl}
 * records, both ways, field by field and bit for bit: a u32 travels as the int with the same bits, a
 * u64 as the long. The {@code Syscalls} service reads requests and writes replies with it; the
 * journal writes and reads both, since it keeps every call that changed the host with its answer.
 * Nothing is checked here that the kernel checks.
 */
public final class IoctlMessages {
    private IoctlMessages() {
    }

    /**
     * The engine's record for the request's ioctl; an absent size or argsz is the struct's real size.
     * A request with no ioctl set cannot be said to the kernel: {@link InvalidMessage}.
     */
    public static Ioctl<?> toEngine(IoctlRequest request) {
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
            case REQUEST_NOT_SET -> throw new InvalidMessage("request", "no ioctl is set in the oneof");
        };
    }

    /** The wire reply for {@code reply}, which the engine answered to a request of {@code ioctl}'s case. */
    public static IoctlResponse toWire(IoctlRequest.RequestCase ioctl, Object reply) {
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
     * The wire request for the engine's {@code request}, with every size and argsz the record
     * carries, so that {@link #toEngine(IoctlRequest)} gives back an equal record. Pid and fd are
     * the caller's to set.
     */
    public static IoctlRequest.Builder toWire(Ioctl<?> request) {
        IoctlRequest.Builder wire = IoctlRequest.newBuilder();
        switch (request) {
            case Ioctl.IommuDestroy r -> wire.setIommuDestroy(IommuDestroy.newBuilder().setSize(r.size()).setId(r.id()));
            case Ioctl.IommuIoasAlloc r -> wire.setIommuIoasAlloc(IommuIoasAlloc.newBuilder().setSize(r.size()).setFlags(r.flags()));
            case Ioctl.IommuIoasAllowIovas r -> wire.setIommuIoasAllowIovas(IommuIoasAllowIovas.newBuilder().setSize(r.size())
                    .setIoasId(r.ioasId()).setReservedBits(r.reserved())
                    .addAllAllowedIovas(r.allowedIovas().stream().map(IoctlMessages::range).toList()));
            case Ioctl.IommuIoasCopy r -> wire.setIommuIoasCopy(IommuIoasCopy.newBuilder().setSize(r.size()).setFlags(r.flags())
                    .setDstIoasId(r.dstIoasId()).setSrcIoasId(r.srcIoasId()).setLength(r.length()).setDstIova(r.dstIova())
                    .setSrcIova(r.srcIova()));
            case Ioctl.IommuIoasIovaRanges r -> wire.setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder().setSize(r.size())
                    .setIoasId(r.ioasId()).setNumIovas(r.numIovas()).setReservedBits(r.reserved()));
            case Ioctl.IommuIoasMap r -> wire.setIommuIoasMap(IommuIoasMap.newBuilder().setSize(r.size()).setFlags(r.flags())
                    .setIoasId(r.ioasId()).setReservedBits(r.reserved()).setUserVa(r.userVa()).setLength(r.length())
                    .setIova(r.iova()));
            case Ioctl.IommuIoasUnmap r -> wire.setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setSize(r.size())
                    .setIoasId(r.ioasId()).setIova(r.iova()).setLength(r.length()));
            case Ioctl.IommuOption r -> wire.setIommuOption(IommuOption.newBuilder().setSize(r.size()).setOptionId(r.optionId())
                    .setOp(r.op()).setReservedBits(r.reserved()).setObjectId(r.objectId()).setVal64(r.val64()));
            case Ioctl.IommuVfioIoas r -> wire.setIommuVfioIoas(IommuVfioIoas.newBuilder().setSize(r.size()).setIoasId(r.ioasId())
                    .setOp(r.op()).setReservedBits(r.reserved()));
            case Ioctl.IommuHwptAlloc r -> wire.setIommuHwptAlloc(IommuHwptAlloc.newBuilder().setSize(r.size()).setFlags(r.flags())
                    .setDevId(r.devId()).setPtId(r.ptId()).setReservedBits(r.reserved()));
            case Ioctl.VfioDeviceBindIommufd r -> wire.setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder()
                    .setArgsz(r.argsz()).setFlags(r.flags()).setIommufd(r.iommufd()));
            case Ioctl.VfioDeviceAttachIommufdPt r -> wire.setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder()
                    .setArgsz(r.argsz()).setFlags(r.flags()).setPtId(r.ptId()));
            case Ioctl.VfioDeviceDetachIommufdPt r -> wire.setVfioDeviceDetachIommufdPt(VfioDeviceDetachIommufdPt.newBuilder()
                    .setArgsz(r.argsz()).setFlags(r.flags()));
            case Ioctl.VfioDeviceGetInfo r -> wire.setVfioDeviceGetInfo(VfioDeviceGetInfo.newBuilder().setArgsz(r.argsz()));
            case Ioctl.VfioDeviceReset _ -> wire.setVfioDeviceReset(VfioDeviceReset.getDefaultInstance());
            case Ioctl.VfioDeviceGetPciHotResetInfo r -> wire.setVfioDeviceGetPciHotResetInfo(
                    VfioDeviceGetPciHotResetInfo.newBuilder().setArgsz(r.argsz()));
            case Ioctl.VfioDevicePciHotReset r -> wire.setVfioDevicePciHotReset(VfioDevicePciHotReset.newBuilder()
                    .setArgsz(r.argsz()).setFlags(r.flags()).addAllGroupFds(r.groupFds()));
            case Ioctl.UnknownIoctl r -> wire.setUnknownIoctl(UnknownIoctl.newBuilder().setType(r.type()).setNr(r.nr()));
            case Ioctl.VfioGroupGetStatus r -> wire.setVfioGroupGetStatus(VfioGroupGetStatus.newBuilder().setArgsz(r.argsz()));
            case Ioctl.VfioGroupSetContainer r -> wire.setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder()
                    .setContainerFd(r.fd()));
            case Ioctl.VfioGroupUnsetContainer _ -> wire.setVfioGroupUnsetContainer(VfioGroupUnsetContainer.getDefaultInstance());
            case Ioctl.VfioGroupGetDeviceFd r -> wire.setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName(r.name()));
            case Ioctl.VfioGetApiVersion _ -> wire.setVfioGetApiVersion(VfioGetApiVersion.getDefaultInstance());
            case Ioctl.VfioCheckExtension r -> wire.setVfioCheckExtension(VfioCheckExtension.newBuilder()
                    .setExtension(r.extension()));
            case Ioctl.VfioSetIommu r -> wire.setVfioSetIommu(VfioSetIommu.newBuilder().setType(r.type()));
            case Ioctl.VfioIommuMapDma r -> wire.setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setArgsz(r.argsz())
                    .setFlags(r.flags()).setVaddr(r.vaddr()).setIova(r.iova()).setSize(r.size()));
            case Ioctl.VfioIommuUnmapDma r -> wire.setVfioIommuUnmapDma(VfioIommuUnmapDma.newBuilder().setArgsz(r.argsz())
                    .setFlags(r.flags()).setIova(r.iova()).setSize(r.size()));
            case Ioctl.KvmCreateVm r -> wire.setKvmCreateVm(KvmCreateVm.newBuilder().setType(r.type()));
            case Ioctl.KvmCreateDevice r -> wire.setKvmCreateDevice(KvmCreateDevice.newBuilder().setType(r.type())
                    .setFlags(r.flags()));
            case Ioctl.KvmSetDeviceAttr r -> wire.setKvmSetDeviceAttr(KvmSetDeviceAttr.newBuilder().setFlags(r.flags())
                    .setGroup(r.group()).setAttr(r.attr()).setFd(r.fd()));
        }
        return wire;
    }

    /**
     * The engine's reply record for {@code response}: what {@link #toWire(IoctlRequest.RequestCase, Object)}
     * made of it, and {@link Ioctl.Done} for the ioctls that answer nothing but success. A response with
     * no reply set is an {@link InvalidMessage}.
     */
    public static Object toEngine(IoctlResponse response) {
        return switch (response.getReplyCase()) {
            case IOMMU_IOAS_ALLOC -> new Ioctl.IommuIoasAlloc.Reply(response.getIommuIoasAlloc().getOutIoasId());
            case IOMMU_IOAS_COPY -> new Ioctl.IommuIoasCopy.Reply(response.getIommuIoasCopy().getDstIova());
            case IOMMU_IOAS_IOVA_RANGES -> {
                var m = response.getIommuIoasIovaRanges();
                yield new Ioctl.IommuIoasIovaRanges.Reply(m.getNumIovas(), m.getAllowedIovasList().stream()
                        .map(range -> new IovaRange(range.getStart(), range.getLast())).toList(), m.getOutIovaAlignment());
            }
            case IOMMU_IOAS_MAP -> new Ioctl.IommuIoasMap.Reply(response.getIommuIoasMap().getIova());
            case IOMMU_IOAS_UNMAP -> new Ioctl.IommuIoasUnmap.Reply(response.getIommuIoasUnmap().getLength());
            case IOMMU_OPTION -> new Ioctl.IommuOption.Reply(response.getIommuOption().getVal64());
            case IOMMU_VFIO_IOAS -> new Ioctl.IommuVfioIoas.Reply(response.getIommuVfioIoas().getIoasId());
            case IOMMU_HWPT_ALLOC -> new Ioctl.IommuHwptAlloc.Reply(response.getIommuHwptAlloc().getOutHwptId());
            case VFIO_DEVICE_BIND_IOMMUFD -> new Ioctl.VfioDeviceBindIommufd.Reply(response.getVfioDeviceBindIommufd().getOutDevid());
            case VFIO_DEVICE_ATTACH_IOMMUFD_PT -> new Ioctl.VfioDeviceAttachIommufdPt.Reply(
                    response.getVfioDeviceAttachIommufdPt().getPtId());
            case VFIO_DEVICE_GET_INFO -> {
                var m = response.getVfioDeviceGetInfo();
                yield new Ioctl.VfioDeviceGetInfo.Reply(m.getFlags(), m.getNumRegions(), m.getNumIrqs());
            }
            case VFIO_DEVICE_GET_PCI_HOT_RESET_INFO -> {
                var m = response.getVfioDeviceGetPciHotResetInfo();
                yield new Ioctl.VfioDeviceGetPciHotResetInfo.Reply(m.getFlags(), m.getCount(), m.getDevicesList().stream()
                        .map(entry -> new Ioctl.VfioDeviceGetPciHotResetInfo.Entry(entry.getGroupIdOrDevid(), entry.getSegment(),
                                entry.getBus(), entry.getDevfn()))
                        .toList());
            }
            case VFIO_GROUP_GET_STATUS -> new Ioctl.VfioGroupGetStatus.Reply(response.getVfioGroupGetStatus().getFlags());
            case VFIO_GROUP_GET_DEVICE_FD -> new Ioctl.VfioGroupGetDeviceFd.Reply(response.getVfioGroupGetDeviceFd().getFd());
            case VFIO_GET_API_VERSION -> new Ioctl.VfioGetApiVersion.Reply(response.getVfioGetApiVersion().getVersion());
            case VFIO_CHECK_EXTENSION -> new Ioctl.VfioCheckExtension.Reply(response.getVfioCheckExtension().getSupported());
            case VFIO_IOMMU_UNMAP_DMA -> new Ioctl.VfioIommuUnmapDma.Reply(response.getVfioIommuUnmapDma().getSize());
            case KVM_CREATE_VM -> new Ioctl.KvmCreateVm.Reply(response.getKvmCreateVm().getFd());
            case KVM_CREATE_DEVICE -> new Ioctl.KvmCreateDevice.Reply(response.getKvmCreateDevice().getFd());
            case IOMMU_DESTROY, IOMMU_IOAS_ALLOW_IOVAS, VFIO_DEVICE_DETACH_IOMMUFD_PT, VFIO_DEVICE_RESET,
                    VFIO_DEVICE_PCI_HOT_RESET, VFIO_GROUP_SET_CONTAINER, VFIO_GROUP_UNSET_CONTAINER, VFIO_SET_IOMMU,
                    VFIO_IOMMU_MAP_DMA, KVM_SET_DEVICE_ATTR, UNKNOWN_IOCTL -> Ioctl.Done.INSTANCE;
            case REPLY_NOT_SET -> throw new InvalidMessage("reply", "no ioctl reply is set in the oneof");
        };
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

    public static io.vfleet.api.agent.v1.IovaRange range(IovaRange range) {
        return io.vfleet.api.agent.v1.IovaRange.newBuilder().setStart(range.start()).setLast(range.last()).build();
    }
}
