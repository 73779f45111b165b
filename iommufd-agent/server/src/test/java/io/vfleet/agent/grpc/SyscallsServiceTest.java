package io.vfleet.agent.grpc;

import static io.vfleet.agent.grpc.Wire.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.TestAgent;
import io.vfleet.api.agent.v1.CloseRequest;
import io.vfleet.api.agent.v1.ExitRequest;
import io.vfleet.api.agent.v1.IoctlRequest;
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
import io.vfleet.api.agent.v1.IovaRange;
import io.vfleet.api.agent.v1.KvmCreateDevice;
import io.vfleet.api.agent.v1.KvmCreateVm;
import io.vfleet.api.agent.v1.KvmSetDeviceAttr;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.MunmapRequest;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.api.agent.v1.SpawnRequest;
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
import io.vfleet.engine.vfio.VfioDevice;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyscallsServiceTest {
    private static final long MIB = 1 << 20;
    private static final int READ_WRITE_FIXED = 1 | 2 | 4;

    @TempDir
    Path state;

    private InProcessAgent agent(String topology) {
        return new InProcessAgent(TestAgent.open(AgentHosts.shipped(topology), state));
    }

    @Test
    void qemuStartsAndStopsAVmWithTheGpuAndItsAudioThroughIommufd() throws Exception {
        try (InProcessAgent agent = agent("workstation-gpu-audio")) {
            Wire qemu = Wire.spawn(agent.syscalls, "qemu-system-x86_64");
            int iommufd = qemu.open("/dev/iommu");
            int kvm = qemu.open("/dev/kvm");
            int vm = qemu.ioctl(kvm, request().setKvmCreateVm(KvmCreateVm.getDefaultInstance())).getKvmCreateVm().getFd();
            int kvmVfio = qemu.ioctl(vm, request().setKvmCreateDevice(KvmCreateDevice.newBuilder().setType(4)))
                    .getKvmCreateDevice().getFd();
            int gpu = qemu.open("/dev/vfio/devices/vfio0");
            int audio = qemu.open("/dev/vfio/devices/vfio1");
            int ioas = 0;
            int hwpt = 0;
            for (int device : List.of(gpu, audio)) {
                qemu.ioctl(kvmVfio, request().setKvmSetDeviceAttr(KvmSetDeviceAttr.newBuilder().setGroup(1).setAttr(1).setFd(device)));
                int devid = qemu.ioctl(device, request().setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder()
                        .setIommufd(iommufd))).getVfioDeviceBindIommufd().getOutDevid();
                assertThat(devid).isPositive();
                if (ioas == 0) {
                    ioas = qemu.ioctl(iommufd, request().setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()))
                            .getIommuIoasAlloc().getOutIoasId();
                }
                int attached = qemu.ioctl(device, request().setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder()
                        .setPtId(ioas))).getVfioDeviceAttachIommufdPt().getPtId();
                hwpt = hwpt == 0 ? attached : hwpt;
                assertThat(attached).as("both functions of one group share the auto HWPT").isEqualTo(hwpt);
            }
            long ram = agent.syscalls.mmap(MmapRequest.newBuilder().setPid(qemu.pid).setLength(4 * MIB).setProt(3).build()).getAddr();
            long iova = qemu.ioctl(iommufd, request().setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(READ_WRITE_FIXED)
                    .setIoasId(ioas).setUserVa(ram).setLength(4 * MIB).setIova(1L << 32))).getIommuIoasMap().getIova();
            assertThat(iova).isEqualTo(1L << 32);
            var info = qemu.ioctl(gpu, request().setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance())).getVfioDeviceGetInfo();
            assertThat(info.getFlags()).as("PCI, and no FLR on a GeForce").isEqualTo(2);
            long attachedDevices = agent.host.inspect(host -> host.vfioDevices().stream().filter(VfioDevice::iommufdAttached).count());
            assertThat(attachedDevices).isEqualTo(2);

            qemu.ioctl(iommufd, request().setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(ioas).setLength(-1L)));
            for (int device : List.of(gpu, audio)) {
                qemu.ioctl(device, request().setVfioDeviceDetachIommufdPt(VfioDeviceDetachIommufdPt.getDefaultInstance()));
                agent.syscalls.close(CloseRequest.newBuilder().setPid(qemu.pid).setFd(device).build());
            }
            qemu.ioctl(iommufd, request().setIommuDestroy(IommuDestroy.newBuilder().setId(ioas)));
            agent.syscalls.exit(ExitRequest.newBuilder().setPid(qemu.pid).build());
            int openDevices = agent.host.inspect(host -> host.vfioDevices().stream().mapToInt(VfioDevice::openCount).sum());
            List<Integer> pids = agent.host.inspect(host -> host.pids());
            assertThat(openDevices).isZero();
            assertThat(pids).isEmpty();
        }
    }

    @Test
    void legacyGroupAndContainerSequenceMapsAndUnmapsDma() throws Exception {
        try (InProcessAgent agent = agent("legacy-shared-bus")) {
            Wire vmm = Wire.spawn(agent.syscalls, "qemu-legacy");
            int container = vmm.open("/dev/vfio/vfio");
            assertThat(vmm.ioctl(container, request().setVfioGetApiVersion(VfioGetApiVersion.getDefaultInstance()))
                    .getVfioGetApiVersion().getVersion()).isZero();
            assertThat(vmm.ioctl(container, request().setVfioCheckExtension(VfioCheckExtension.newBuilder().setExtension(3)))
                    .getVfioCheckExtension().getSupported()).isEqualTo(1);
            int group = vmm.open("/dev/vfio/36");
            assertThat(vmm.ioctl(group, request().setVfioGroupGetStatus(VfioGroupGetStatus.getDefaultInstance()))
                    .getVfioGroupGetStatus().getFlags()).as("viable").isEqualTo(1);
            vmm.ioctl(group, request().setVfioGroupSetContainer(VfioGroupSetContainer.newBuilder().setContainerFd(container)));
            vmm.ioctl(container, request().setVfioSetIommu(VfioSetIommu.newBuilder().setType(3)));
            int device = vmm.ioctl(group, request().setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName("0000:03:00.0")))
                    .getVfioGroupGetDeviceFd().getFd();
            long ram = agent.syscalls.mmap(MmapRequest.newBuilder().setPid(vmm.pid).setLength(MIB).setProt(3).build()).getAddr();
            vmm.ioctl(container, request().setVfioIommuMapDma(VfioIommuMapDma.newBuilder().setFlags(3).setVaddr(ram)
                    .setIova(0x10_0000).setSize(MIB)));
            long unmapped = vmm.ioctl(container, request().setVfioIommuUnmapDma(VfioIommuUnmapDma.newBuilder()
                    .setIova(0x10_0000).setSize(MIB))).getVfioIommuUnmapDma().getSize();
            assertThat(unmapped).isEqualTo(MIB);
            agent.syscalls.close(CloseRequest.newBuilder().setPid(vmm.pid).setFd(device).build());
            vmm.ioctl(group, request().setVfioGroupUnsetContainer(VfioGroupUnsetContainer.getDefaultInstance()));
            agent.syscalls.close(CloseRequest.newBuilder().setPid(vmm.pid).setFd(group).build());
            long openGroups = agent.host.inspect(host -> host.vfioGroups().stream().filter(g -> g.openedFile() != null).count());
            assertThat(openGroups).isZero();
        }
    }

    @Test
    void everyIommufdAndDeviceIoctlAnswersThroughTheWire() throws Exception {
        try (InProcessAgent agent = agent("gpu-server-8x")) {
            Wire vmm = Wire.spawn(agent.syscalls, "vmm");
            int iommufd = vmm.open("/dev/iommu");
            assertThat(vmm.ioctl(iommufd, request().setIommuOption(IommuOption.newBuilder().setOptionId(0).setOp(1)))
                    .getIommuOption().getVal64()).as("USER accounting").isZero();
            int ioas = vmm.ioctl(iommufd, request().setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance())).getIommuIoasAlloc().getOutIoasId();
            int second = vmm.ioctl(iommufd, request().setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance())).getIommuIoasAlloc().getOutIoasId();
            vmm.ioctl(iommufd, request().setIommuIoasAllowIovas(IommuIoasAllowIovas.newBuilder().setIoasId(ioas)
                    .addAllowedIovas(IovaRange.newBuilder().setStart(1L << 32).setLast((1L << 33) - 1))));
            vmm.ioctl(iommufd, request().setIommuVfioIoas(IommuVfioIoas.newBuilder().setOp(1).setIoasId(ioas)));
            assertThat(vmm.ioctl(iommufd, request().setIommuVfioIoas(IommuVfioIoas.newBuilder().setOp(0)))
                    .getIommuVfioIoas().getIoasId()).isEqualTo(ioas);
            int gpu = vmm.open("/dev/vfio/devices/vfio0");
            int devid = vmm.ioctl(gpu, request().setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)))
                    .getVfioDeviceBindIommufd().getOutDevid();
            int manual = vmm.ioctl(iommufd, request().setIommuHwptAlloc(IommuHwptAlloc.newBuilder().setDevId(devid).setPtId(ioas)))
                    .getIommuHwptAlloc().getOutHwptId();
            assertThat(vmm.ioctl(gpu, request().setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(manual)))
                    .getVfioDeviceAttachIommufdPt().getPtId()).isEqualTo(manual);
            long ram = agent.syscalls.mmap(MmapRequest.newBuilder().setPid(vmm.pid).setLength(2 * MIB).setProt(3).build()).getAddr();
            long iova = vmm.ioctl(iommufd, request().setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(2 | 4).setIoasId(ioas)
                    .setUserVa(ram).setLength(2 * MIB))).getIommuIoasMap().getIova();
            assertThat(iova).as("inside the allowed range").isBetween(1L << 32, (1L << 33) - 1);
            long copied = vmm.ioctl(iommufd, request().setIommuIoasCopy(IommuIoasCopy.newBuilder().setFlags(READ_WRITE_FIXED)
                    .setSrcIoasId(ioas).setDstIoasId(second).setSrcIova(iova).setDstIova(1L << 40).setLength(2 * MIB)))
                    .getIommuIoasCopy().getDstIova();
            assertThat(copied).isEqualTo(1L << 40);
            var ranges = vmm.ioctl(iommufd, request().setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder()
                    .setIoasId(ioas).setNumIovas(8))).getIommuIoasIovaRanges();
            assertThat(ranges.getNumIovas()).isEqualTo(ranges.getAllowedIovasCount()).isGreaterThan(1);
            assertThat(ranges.getOutIovaAlignment()).isEqualTo(4096);
            assertThat(vmm.ioctl(gpu, request().setVfioDeviceGetInfo(VfioDeviceGetInfo.getDefaultInstance()))
                    .getVfioDeviceGetInfo().getFlags()).as("PCI with FLR").isEqualTo(3);
            vmm.ioctl(gpu, request().setVfioDeviceReset(VfioDeviceReset.getDefaultInstance()));
            var hotReset = vmm.ioctl(gpu, request().setVfioDeviceGetPciHotResetInfo(VfioDeviceGetPciHotResetInfo.newBuilder()
                    .setArgsz(12 + 8 * 4))).getVfioDeviceGetPciHotResetInfo();
            assertThat(hotReset.getCount()).isEqualTo(1);
            assertThat(hotReset.getDevices(0).getGroupIdOrDevid()).isEqualTo(devid);
            vmm.ioctl(gpu, request().setVfioDevicePciHotReset(VfioDevicePciHotReset.getDefaultInstance()));
            RpcFailure.of(() -> vmm.ioctl(gpu, request().setUnknownIoctl(UnknownIoctl.newBuilder().setType(';').setNr(0x7f))))
                    .isErrno("ENOTTY", 25, Status.Code.UNIMPLEMENTED);
            RpcFailure.of(() -> vmm.ioctl(iommufd, request().setIommuDestroy(IommuDestroy.newBuilder().setId(manual))))
                    .isErrno("EBUSY", 16, Status.Code.FAILED_PRECONDITION);
            vmm.ioctl(gpu, request().setVfioDeviceDetachIommufdPt(VfioDeviceDetachIommufdPt.getDefaultInstance()));
            vmm.ioctl(iommufd, request().setIommuDestroy(IommuDestroy.newBuilder().setId(manual)));
        }
    }

    @Test
    void iovaRangesTooSmallIsEmsgsizeWithThePartialReplyInTheDetails() throws Exception {
        try (InProcessAgent agent = agent("gpu-server-8x")) {
            Wire vmm = Wire.spawn(agent.syscalls, "vmm");
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, request().setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance())).getIommuIoasAlloc().getOutIoasId();
            int gpu = vmm.open("/dev/vfio/devices/vfio0");
            vmm.ioctl(gpu, request().setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
            vmm.ioctl(gpu, request().setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(ioas)));

            RpcFailure failure = RpcFailure.of(() -> vmm.ioctl(iommufd, request().setIommuIoasIovaRanges(
                    IommuIoasIovaRanges.newBuilder().setIoasId(ioas).setNumIovas(0))))
                    .isErrno("EMSGSIZE", 90, Status.Code.OUT_OF_RANGE);
            assertThat(failure.partial()).hasValueSatisfying(partial ->
                    assertThat(partial.getIommuIoasIovaRanges().getNumIovas()).isEqualTo(2));
        }
    }

    @Test
    void badInputIsTheKernelsErrnoOrInvalidArgumentAndChangesNothing() throws Exception {
        try (InProcessAgent agent = agent("gpu-server-8x")) {
            Wire vmm = Wire.spawn(agent.syscalls, "vmm");
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, request().setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance())).getIommuIoasAlloc().getOutIoasId();
            int gpu = vmm.open("/dev/vfio/devices/vfio0");
            vmm.ioctl(gpu, request().setVfioDeviceBindIommufd(VfioDeviceBindIommufd.newBuilder().setIommufd(iommufd)));
            vmm.ioctl(gpu, request().setVfioDeviceAttachIommufdPt(VfioDeviceAttachIommufdPt.newBuilder().setPtId(ioas)));
            long ram = agent.syscalls.mmap(MmapRequest.newBuilder().setPid(vmm.pid).setLength(MIB).setProt(3).build()).getAddr();
            Supplier<String> fingerprint = () -> HostFingerprint.of(agent.host);
            String before = fingerprint.get();

            RpcFailure.of(() -> agent.syscalls.open(OpenRequest.newBuilder().setPid(4242).setPath("/dev/iommu").build()))
                    .isErrno("ESRCH", 3, Status.Code.NOT_FOUND);
            RpcFailure.of(() -> vmm.ioctl(77, request().setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance())))
                    .isErrno("EBADF", 9, Status.Code.INVALID_ARGUMENT);
            RpcFailure noIoctl = RpcFailure.of(() -> vmm.ioctl(iommufd, IoctlRequest.newBuilder()));
            assertThat(noIoctl.code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(noIoctl.info().getMetadataMap()).containsEntry("field", "request");
            RpcFailure.of(() -> vmm.ioctl(iommufd, request().setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(READ_WRITE_FIXED)
                    .setIoasId(ioas).setUserVa(ram).setLength(MIB).setIova((1L << 32) + 1))))
                    .isErrno("EINVAL", 22, Status.Code.INVALID_ARGUMENT);
            RpcFailure.of(() -> vmm.ioctl(iommufd, request().setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(READ_WRITE_FIXED)
                    .setIoasId(ioas).setUserVa(ram).setLength(-1L).setIova(1L << 32))))
                    .isErrno("EOVERFLOW", 75, Status.Code.OUT_OF_RANGE);
            RpcFailure.of(() -> agent.syscalls.mmap(MmapRequest.newBuilder().setPid(vmm.pid).setLength(-4096L).setProt(3).build()))
                    .isErrno("EINVAL", 22, Status.Code.INVALID_ARGUMENT);
            RpcFailure.of(() -> agent.syscalls.munmap(MunmapRequest.newBuilder().setPid(vmm.pid).setAddr(ram + 1).setLength(4096).build()))
                    .isErrno("EINVAL", 22, Status.Code.INVALID_ARGUMENT);
            RpcFailure.of(() -> vmm.open("/dev/vfio/devices/vfio99")).isErrno("ENOENT", 2, Status.Code.NOT_FOUND);
            RpcFailure.of(() -> vmm.ioctl(iommufd, request().setIommuIoasAllowIovas(IommuIoasAllowIovas.newBuilder().setIoasId(ioas)
                    .addAllowedIovas(IovaRange.newBuilder().setStart(1L << 33).setLast(1L << 32)))))
                    .isErrno("EINVAL", 22, Status.Code.INVALID_ARGUMENT);
            RpcFailure.of(() -> vmm.ioctl(iommufd, request().setIommuDestroy(IommuDestroy.newBuilder().setSize(4).setId(ioas))))
                    .isErrno("EINVAL", 22, Status.Code.INVALID_ARGUMENT);
            RpcFailure badSpawn = RpcFailure.of(() -> agent.syscalls.spawn(SpawnRequest.newBuilder().setName(" ").build()));
            assertThat(badSpawn.info().getMetadataMap()).containsEntry("field", "name");
            int group = vmm.open("/dev/vfio/27");
            RpcFailure.of(() -> vmm.ioctl(group, request().setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder()
                    .setName("0".repeat(5000))))).isErrno("EINVAL", 22, Status.Code.INVALID_ARGUMENT);
            agent.syscalls.close(CloseRequest.newBuilder().setPid(vmm.pid).setFd(group).build());

            assertThat(fingerprint.get()).isEqualTo(before);
        }
    }
}
