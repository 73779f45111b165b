package io.vfleet.engine.vfio;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.iommufd.IommufdContext;
import io.vfleet.engine.iommufd.IommufdFile;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasIovaRanges;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.KvmCreateDevice;
import io.vfleet.engine.uapi.Ioctl.KvmCreateVm;
import io.vfleet.engine.uapi.Ioctl.KvmSetDeviceAttr;
import io.vfleet.engine.uapi.Ioctl.UnknownIoctl;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetPciHotResetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceReset;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetStatus;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The vfio device cdev path (KERNEL.md §4 and §7): open, the access gate, BIND in the kernel's
 * order of checks, ATTACH and DETACH of physical, emulated and [v11] noiommu devices, and what
 * close undoes. Every scenario runs on a real {@link Host}.
 */
class VfioDeviceFileTest {

    /** The workstation: RTX 4090 + its audio in group 12 (both vfio-pci), RTX 3090 in group 13 beside snd_hda_intel. */
    static Host workstation(KernelProfile profile) {
        return shipped("workstation-gpu-audio", profile);
    }

    /** A shipped topology booted under {@code profile}, the rest of its kernel configuration kept. */
    static Host shipped(String name, KernelProfile profile) {
        HostTopology topology = TestHosts.shipped(name);
        KernelConfig kernel = topology.kernel();
        return Host.boot(new HostTopology(topology.hostname(), new KernelConfig(profile, kernel.vfioGroup(),
                kernel.vfioContainer(), kernel.iommufdVfioContainer(), kernel.vfioDeviceCdev(), kernel.unsafeNoiommuMode()),
                topology.functions(), topology.emulatedDevices()));
    }

    static String cdev(Host host, String name) {
        return "/dev/vfio/devices/" + host.vfioDevice(name).cdevName();
    }

    static final String GPU = "0000:01:00.0";
    static final String GPU_AUDIO = "0000:01:00.1";
    private static final String LONE_GPU = "0000:02:00.0";

    @Nested
    class OpenAndAccessGate {
        @Test
        void openingTheCdevNeedsNoBindAndManyFdsMayBeOpen() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int first = vmm.open(cdev(host, GPU));
            int second = vmm.open(cdev(host, GPU));
            assertThat(second).isNotEqualTo(first);
            assertThat(host.vfioDevice(GPU).openCount()).isZero();
        }

        @Test
        void openingANodeThatDoesNotExistIsEnoent() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/devices/vfio99"));
            fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/devices/vfioX"));
            fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/devices/noiommu-vfio0"));
        }

        @Test
        void everyIoctlButBindIsEinvalBeforeBind() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int device = vmm.open(cdev(host, GPU));
            List<Ioctl<?>> requests = List.of(VfioDeviceAttachIommufdPt.of(1), VfioDeviceDetachIommufdPt.of(),
                    VfioDeviceGetInfo.of(), new VfioDeviceReset(), VfioDeviceGetPciHotResetInfo.withRoomFor(4),
                    VfioDevicePciHotReset.of(List.of()), new UnknownIoctl(';', 0x75), IommuIoasAlloc.of(),
                    VfioGroupGetStatus.of());
            for (Ioctl<?> request : requests) {
                fails(request.toString(), Errno.EINVAL, () -> vmm.ioctl(device, request));
            }
        }

        @Test
        void theGateIsPerFileSoASecondFdOfABoundDeviceStaysClosed() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int bound = vmm.open(cdev(host, LONE_GPU));
            int other = vmm.open(cdev(host, LONE_GPU));
            fails(Errno.EPERM, () -> vmm.ioctl(bound, VfioDeviceBindIommufd.of(iommufd)));
            int gpu = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            int gpuOther = vmm.open(cdev(host, GPU));
            assertThat(vmm.ioctl(gpu, VfioDeviceGetInfo.of()).numRegions()).isEqualTo(9);
            fails(Errno.EINVAL, () -> vmm.ioctl(gpuOther, VfioDeviceGetInfo.of()));
            fails(Errno.EINVAL, () -> vmm.ioctl(other, VfioDeviceGetInfo.of()));
        }

        @Test
        void afterBindUnknownIoctlsAndOtherFilesIoctlsAreEnotty() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int device = vmm.open(cdev(host, GPU));
            vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
            fails(Errno.ENOTTY, () -> vmm.ioctl(device, new UnknownIoctl(';', 0x7f)));
            fails(Errno.ENOTTY, () -> vmm.ioctl(device, IommuIoasAlloc.of()));
            fails(Errno.ENOTTY, () -> vmm.ioctl(device, VfioGroupGetStatus.of()));
            fails(Errno.ENOTTY, () -> vmm.ioctl(iommufd, VfioDeviceBindIommufd.of(iommufd)));
            fails(Errno.ENOTTY, () -> vmm.ioctl(iommufd, VfioDeviceAttachIommufdPt.of(1)));
            fails(Errno.ENOTTY, () -> vmm.ioctl(iommufd, new KvmCreateVm(0)));
        }
    }

    @Nested
    class Bind {
        @Test
        void argszFlagsAndNegativeFdAreEinval() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int device = vmm.open(cdev(host, GPU));
            fails(Errno.EINVAL, () -> vmm.ioctl(device, new VfioDeviceBindIommufd(15, 0, iommufd)));
            fails(Errno.EINVAL, () -> vmm.ioctl(device, new VfioDeviceBindIommufd(16, 1, iommufd)));
            fails(Errno.EINVAL, () -> vmm.ioctl(device, new VfioDeviceBindIommufd(16, 0, -1)));
            assertThat(vmm.ioctl(device, new VfioDeviceBindIommufd(32, 0, iommufd)).outDevid()).isEqualTo(1);
        }

        @Test
        void aDeviceFdFromTheGroupPathCannotBind() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int group = vmm.open("/dev/vfio/12");
            vmm.ioctl(group, new VfioGroupSetContainer(iommufd));
            int device = vmm.ioctl(group, new VfioGroupGetDeviceFd(GPU)).fd();
            fails(Errno.EINVAL, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
            fails(Errno.EINVAL, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(99)));
        }

        @Test
        void bindWhileTheGroupFdIsOpenIsEbusyThoughOpeningTheCdevWorks() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int group = vmm.open("/dev/vfio/12");
            int device = vmm.open(cdev(host, GPU_AUDIO));
            fails(Errno.EBUSY, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
            assertThat(host.vfioDevice(GPU_AUDIO).group().cdevDeviceOpenCount()).isZero();
            vmm.close(group);
            assertThat(vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isEqualTo(1);
        }

        @Test
        void groupBlockIsCheckedBeforeTheFdIsResolved() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            vmm.open("/dev/vfio/12");
            int device = vmm.open(cdev(host, GPU));
            fails(Errno.EBUSY, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(77)));
        }

        @Test
        void openingTheGroupWhileADeviceIsBoundIsEbusyUntilTheCdevCloses() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int device = vmm.open(cdev(host, GPU));
            vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
            fails(Errno.EBUSY, () -> vmm.open("/dev/vfio/12"));
            vmm.close(device);
            int group = vmm.open("/dev/vfio/12");
            assertThat(vmm.ioctl(group, VfioGroupGetStatus.of()).flags()).isEqualTo(VfioGroupGetStatus.FLAGS_VIABLE);
        }

        @Test
        void bindingTheSameFileTwiceIsEinvalBeforeTheFdIsLookedAt() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int device = vmm.open(cdev(host, GPU));
            vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
            fails(Errno.EINVAL, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
            fails(Errno.EINVAL, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(55)));
            assertThat(host.vfioDevice(GPU).group().cdevDeviceOpenCount()).isEqualTo(1);
        }

        @Test
        void aClosedFdIsEbadfAndAnotherKindOfFileIsEbadfd() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int device = vmm.open(cdev(host, GPU));
            int other = vmm.open(cdev(host, GPU_AUDIO));
            int kvm = vmm.open("/dev/kvm");
            fails(Errno.EBADF, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(40)));
            fails(Errno.EBADFD, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(other)));
            fails(Errno.EBADFD, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(kvm)));
            assertThat(host.vfioDevice(GPU).group().cdevDeviceOpenCount()).isZero();
            assertThat(host.vfioDevice(GPU).iommuGroup().isOwned()).isFalse();
        }

        @Test
        void aSecondCdevFdOfABoundDeviceCannotBindToAnyContext() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int otherIommufd = vmm.open("/dev/iommu");
            int first = vmm.open(cdev(host, GPU));
            int second = vmm.open(cdev(host, GPU));
            vmm.ioctl(first, VfioDeviceBindIommufd.of(iommufd));
            fails(Errno.EINVAL, () -> vmm.ioctl(second, VfioDeviceBindIommufd.of(iommufd)));
            fails(Errno.EINVAL, () -> vmm.ioctl(second, VfioDeviceBindIommufd.of(otherIommufd)));
            fails(Errno.EBADF, () -> vmm.ioctl(second, VfioDeviceBindIommufd.of(63)));
            vmm.close(first);
            assertThat(vmm.ioctl(second, VfioDeviceBindIommufd.of(otherIommufd)).outDevid()).isEqualTo(1);
        }

        @Test
        void aDeviceOpenedThroughTheGroupPathCannotBindEvenAfterTheGroupFdCloses() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int group = vmm.open("/dev/vfio/12");
            vmm.ioctl(group, new VfioGroupSetContainer(iommufd));
            int groupDevice = vmm.ioctl(group, new VfioGroupGetDeviceFd(GPU)).fd();
            vmm.close(group);
            int device = vmm.open(cdev(host, GPU));
            fails(Errno.EINVAL, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
            vmm.close(groupDevice);
            assertThat(vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isPositive();
        }

        @Test
        void devidsAreObjectIdsOfTheContextLowestFreeFirst() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int audio = vmm.open(cdev(host, GPU_AUDIO));
            assertThat(ioas).isEqualTo(1);
            assertThat(vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isEqualTo(2);
            assertThat(vmm.ioctl(audio, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isEqualTo(3);
            assertThat(host.vfioDevice(GPU).devid()).isEqualTo(2);
            vmm.close(gpu);
            int again = vmm.open(cdev(host, GPU));
            assertThat(vmm.ioctl(again, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isEqualTo(2);
        }

        @Test
        void siblingsOfOneGroupInDifferentContextsAreEperm() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            TestProcess other = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int gpu = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            int otherIommufd = other.open("/dev/iommu");
            int audio = other.open(cdev(host, GPU_AUDIO));
            fails(Errno.EPERM, () -> other.ioctl(audio, VfioDeviceBindIommufd.of(otherIommufd)));
            int sameProcessOtherContext = vmm.open("/dev/iommu");
            int audioAgain = vmm.open(cdev(host, GPU_AUDIO));
            fails(Errno.EPERM, () -> vmm.ioctl(audioAgain, VfioDeviceBindIommufd.of(sameProcessOtherContext)));
            assertThat(host.vfioDevice(GPU_AUDIO).group().cdevDeviceOpenCount()).isEqualTo(1);
            assertThat(vmm.ioctl(audioAgain, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isEqualTo(2);
            vmm.close(gpu);
            vmm.close(audioAgain);
            assertThat(other.ioctl(audio, VfioDeviceBindIommufd.of(otherIommufd)).outDevid()).isEqualTo(1);
        }

        @Test
        void aSiblingOnAHostDmaDriverMakesBindEperm() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int device = vmm.open(cdev(host, LONE_GPU));
            fails(Errno.EPERM, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
            assertThat(host.vfioDevice(LONE_GPU).openCount()).isZero();
            assertThat(host.vfioDevice(LONE_GPU).group().cdevDeviceOpenCount()).isZero();
            IommufdContext context = host.inspect(() -> host.process(vmm.pid()).files()
                    .get(iommufd, IommufdFile.class, Errno.EBADFD).context());
            assertThat(context.objects().isEmpty()).isTrue();
        }

        @Test
        void aDriverThatNeedsKvmRefusesToOpenWithoutItAndOpensWithIt() {
            Host host = Host.boot(TestHosts.shipped("emulated-devices"));
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int matrix = vmm.open(cdev(host, "ap-matrix-0"));
            fails(Errno.EINVAL, () -> vmm.ioctl(matrix, VfioDeviceBindIommufd.of(iommufd)));
            assertThat(host.vfioDevice("ap-matrix-0").openCount()).isZero();
            int vm = vmm.ioctl(vmm.open("/dev/kvm"), new KvmCreateVm(0)).fd();
            int kvmVfio = vmm.ioctl(vm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd();
            vmm.ioctl(kvmVfio, KvmSetDeviceAttr.fileAdd(matrix));
            int devid = vmm.ioctl(matrix, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            assertThat(devid).isEqualTo(1);
            assertThat(host.vfioDevice("ap-matrix-0").kvm()).isNotNull();
        }

        @Test
        void aFailedBindBurnsNoDevid() {
            Host host = Host.boot(TestHosts.shipped("emulated-devices"));
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int matrix = vmm.open(cdev(host, "ap-matrix-0"));
            fails(Errno.EINVAL, () -> vmm.ioctl(matrix, VfioDeviceBindIommufd.of(iommufd)));
            int tty = vmm.open(cdev(host, "mtty-0"));
            assertThat(vmm.ioctl(tty, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isEqualTo(1);
        }

        @Test
        void withoutTheCdevConfigTheNodeIsAbsentAndBindIsEnotty() {
            Host host = TestHosts.boot(TestHosts.simpleHost(1, "v11").replace("kernel: {profile: v11}",
                    "kernel: {profile: v11, vfioDeviceCdev: false}"));
            TestProcess vmm = TestProcess.spawn(host);
            fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/devices/vfio0"));
            int iommufd = vmm.open("/dev/iommu");
            int group = vmm.open("/dev/vfio/10");
            vmm.ioctl(group, new VfioGroupSetContainer(iommufd));
            int device = vmm.ioctl(group, new VfioGroupGetDeviceFd("0000:01:00.0")).fd();
            fails(Errno.ENOTTY, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
            fails(Errno.ENOTTY, () -> vmm.ioctl(device, new VfioDeviceBindIommufd(0, 1, -1)));
        }

        @Test
        void aCdevOnlyKernelHasNoGroupNodesAndBindsThroughTheCdev() {
            Host host = Host.boot(TestHosts.shipped("cdev-only-6.6"));
            TestProcess vmm = TestProcess.spawn(host);
            fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/11"));
            fails(Errno.ENOENT, () -> vmm.open("/dev/vfio/vfio"));
            int iommufd = vmm.open("/dev/iommu");
            int device = vmm.open(cdev(host, "0000:01:00.0"));
            assertThat(vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid()).isEqualTo(1);
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            assertThat(vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas)).ptId()).isEqualTo(3);
            var ranges = vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 8)).allowedIovas();
            assertThat(ranges).doesNotContain(new IovaRange(0, -1L));
            assertThat(ranges.stream().noneMatch(range -> range.intersects(new IovaRange(0xfd_0000_0000L, 0xff_ffff_ffffL))))
                    .isTrue();
        }
    }

    @Nested
    class Noiommu {
        @Test
        void aV11NoiommuCdevBindsWithRawioAndAttachEchoesThePtId() {
            Host host = Host.boot(TestHosts.shipped("noiommu-host"));
            String node = "/dev/vfio/devices/" + host.vfioDevice("0000:00:03.0").cdevName();
            assertThat(node).isEqualTo("/dev/vfio/devices/noiommu-vfio0");
            TestProcess plain = TestProcess.spawn(host);
            int plainIommufd = plain.open("/dev/iommu");
            int plainDevice = plain.open(node);
            fails(Errno.EPERM, () -> plain.ioctl(plainDevice, VfioDeviceBindIommufd.of(plainIommufd)));
            fails(Errno.EINVAL, () -> plain.ioctl(plainDevice, VfioDeviceBindIommufd.of(-1)));

            TestProcess dpdk = TestProcess.spawn(host, Capability.CAP_SYS_RAWIO);
            int iommufd = dpdk.open("/dev/iommu");
            int device = dpdk.open(node);
            fails(Errno.EINVAL, () -> dpdk.ioctl(device, VfioDeviceBindIommufd.of(-1)));
            int devid = dpdk.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            assertThat(devid).isEqualTo(1);
            assertThat(host.vfioDevice("0000:00:03.0").iommufdAccess().isNoiommu()).isTrue();
            assertThat(dpdk.ioctl(device, VfioDeviceAttachIommufdPt.of(12345)).ptId()).isEqualTo(12345);
            assertThat(host.vfioDevice("0000:00:03.0").iommufdAttached()).isFalse();
            dpdk.ioctl(device, VfioDeviceDetachIommufdPt.of());
            fails(Errno.EBUSY, () -> dpdk.ioctl(iommufd, IommuDestroy.of(devid)));
        }

        @Test
        void theRawioCheckComesBeforeTheGroupBlock() {
            Host host = Host.boot(TestHosts.shipped("noiommu-host"));
            VfioDevice nic = host.vfioDevice("0000:00:04.0");
            TestProcess dpdk = TestProcess.spawn(host, Capability.CAP_SYS_RAWIO);
            dpdk.open("/dev/vfio/" + nic.group().nodeName());
            TestProcess plain = TestProcess.spawn(host);
            int device = plain.open("/dev/vfio/devices/" + nic.cdevName());
            int iommufd = plain.open("/dev/iommu");
            fails(Errno.EPERM, () -> plain.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
            int rawDevice = dpdk.open("/dev/vfio/devices/" + nic.cdevName());
            int rawIommufd = dpdk.open("/dev/iommu");
            fails(Errno.EBUSY, () -> dpdk.ioctl(rawDevice, VfioDeviceBindIommufd.of(rawIommufd)));
        }

        @Test
        void linux66HasNoNoiommuCdev() {
            Host host = shipped("noiommu-host", KernelProfile.LINUX_6_6);
            TestProcess dpdk = TestProcess.spawn(host, Capability.CAP_SYS_RAWIO);
            VfioDevice nic = host.vfioDevice("0000:00:03.0");
            fails(Errno.ENOENT, () -> dpdk.open("/dev/vfio/devices/noiommu-vfio" + nic.index()));
            fails(Errno.ENOENT, () -> dpdk.open("/dev/vfio/devices/vfio" + nic.index()));
            assertThat(dpdk.open("/dev/vfio/" + nic.group().nodeName())).isNotNegative();
            assertThat(dpdk.open("/dev/vfio/devices/" + host.vfioDevice("0000:01:00.0").cdevName())).isNotNegative();
        }
    }

    @Nested
    class Close {
        @Test
        void closingABoundCdevUnbindsReleasesOwnershipAndTheContext() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas));
            IommufdContext context = host.inspect(() -> host.process(vmm.pid()).files()
                    .get(iommufd, IommufdFile.class, Errno.EBADFD).context());
            vmm.close(iommufd);
            assertThat(context.isDestroyed()).as("the bound device keeps the context").isFalse();
            assertThat(host.vfioDevice(GPU).iommuGroup().isOwned()).isTrue();
            vmm.close(gpu);
            assertThat(context.isDestroyed()).isTrue();
            VfioDevice device = host.vfioDevice(GPU);
            assertThat(device.openCount()).isZero();
            assertThat(device.cdevOpened()).isFalse();
            assertThat(device.iommufd()).isNull();
            assertThat(device.iommuGroup().isOwned()).isFalse();
            assertThat(device.group().cdevDeviceOpenCount()).isZero();
            int group = vmm.open("/dev/vfio/12");
            assertThat(vmm.ioctl(group, VfioGroupGetStatus.of()).flags()).isEqualTo(VfioGroupGetStatus.FLAGS_VIABLE);
        }

        @Test
        void closingAnUnboundCdevChangesNothing() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int gpu = vmm.open(cdev(host, GPU));
            int spare = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            vmm.close(spare);
            assertThat(host.vfioDevice(GPU).openCount()).isEqualTo(1);
            assertThat(host.vfioDevice(GPU).iommuGroup().isOwned()).isTrue();
        }

        @Test
        void processExitClosesEverythingAndAnotherProcessCanTakeTheGroup() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int audio = vmm.open(cdev(host, GPU_AUDIO));
            vmm.ioctl(audio, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas));
            vmm.ioctl(audio, VfioDeviceAttachIommufdPt.of(ioas));
            vmm.exit();
            TestProcess next = TestProcess.spawn(host);
            int nextIommufd = next.open("/dev/iommu");
            int nextGpu = next.open(cdev(host, GPU));
            assertThat(next.ioctl(nextGpu, VfioDeviceBindIommufd.of(nextIommufd)).outDevid()).isEqualTo(1);
        }

        @Test
        void aCdevHeldByKvmStaysBoundAfterTheProcessClosesIt() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int gpu = vmm.open(cdev(host, GPU));
            int vm = vmm.ioctl(vmm.open("/dev/kvm"), new KvmCreateVm(0)).fd();
            int kvmVfio = vmm.ioctl(vm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd();
            vmm.ioctl(kvmVfio, KvmSetDeviceAttr.fileAdd(gpu));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            vmm.close(gpu);
            assertThat(host.vfioDevice(GPU).openCount()).isEqualTo(1);
            fails(Errno.EBUSY, () -> vmm.open("/dev/vfio/12"));
            vmm.close(kvmVfio);
            assertThat(host.vfioDevice(GPU).openCount()).isZero();
            assertThat(vmm.open("/dev/vfio/12")).isNotNegative();
        }
    }
}
