package io.vfleet.engine.vfio;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import io.vfleet.engine.Host;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.iommufd.IommufdContext;
import io.vfleet.engine.iommufd.IommufdFile;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuHwptAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAllowIovas;
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
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The vfio device cdev path (KERNEL.md §4 and §7): open, the access gate, BIND in the kernel's
 * order of checks, ATTACH and DETACH of physical, emulated and [v11] noiommu devices, and what
 * close undoes. Every scenario runs on a real {@link Host}.
 */
class VfioDeviceFileTest {
    private static final int RW = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;
    private static final long MSI_WINDOW = 0xfee0_0000L;

    /** The workstation: RTX 4090 + its audio in group 12 (both vfio-pci), RTX 3090 in group 13 beside snd_hda_intel. */
    private static Host workstation(KernelProfile profile) {
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

    private static String cdev(Host host, String name) {
        return "/dev/vfio/devices/" + host.vfioDevice(name).cdevName();
    }

    private static final String GPU = "0000:01:00.0";
    private static final String GPU_AUDIO = "0000:01:00.1";
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
                fails(Errno.EINVAL, () -> vmm.ioctl(device, request)).as(request.toString());
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
    class AttachPhysical {
        @ParameterizedTest
        @EnumSource(KernelProfile.class)
        void attachByIoasCreatesAnAutoHwptThatTheSiblingReuses(KernelProfile profile) {
            Host host = workstation(profile);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int audio = vmm.open(cdev(host, GPU_AUDIO));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(audio, VfioDeviceBindIommufd.of(iommufd));
            int hwpt = vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
            assertThat(hwpt).isEqualTo(4);
            assertThat(vmm.ioctl(audio, VfioDeviceAttachIommufdPt.of(ioas)).ptId()).isEqualTo(hwpt);
            assertThat(host.vfioDevice(GPU).iommufdAttached()).isTrue();
            assertThat(host.vfioDevice(GPU_AUDIO).iommufdDevice().hwpt().id()).isEqualTo(hwpt);
        }

        @Test
        void attachArgszAndFlagsAreEinval() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            fails(Errno.EINVAL, () -> vmm.ioctl(gpu, new VfioDeviceAttachIommufdPt(11, 0, ioas)));
            fails(Errno.EINVAL, () -> vmm.ioctl(gpu, new VfioDeviceAttachIommufdPt(12, 1, ioas)));
            fails(Errno.EINVAL, () -> vmm.ioctl(gpu, new VfioDeviceDetachIommufdPt(7, 0)));
            fails(Errno.EINVAL, () -> vmm.ioctl(gpu, new VfioDeviceDetachIommufdPt(8, 1)));
            assertThat(host.vfioDevice(GPU).iommufdAttached()).isFalse();
        }

        @Test
        void attachToAnUnknownIdIsEnoentAndToADevidIsEinval() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int gpu = vmm.open(cdev(host, GPU));
            int devid = vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            fails(Errno.ENOENT, () -> vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(0)));
            fails(Errno.ENOENT, () -> vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(42)));
            fails(Errno.EINVAL, () -> vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(devid)));
        }

        @Test
        void attachToAManualHwptEchoesItsIdAndLeavesItBehindOnDetach() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int devid = vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            int hwpt = vmm.ioctl(iommufd, IommuHwptAlloc.of(devid, ioas)).outHwptId();
            assertThat(host.vfioDevice(GPU).iommufdAttached()).isFalse();
            assertThat(vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(hwpt)).ptId()).isEqualTo(hwpt);
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(hwpt)));
            vmm.ioctl(gpu, VfioDeviceDetachIommufdPt.of());
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(ioas)));
            vmm.ioctl(iommufd, IommuDestroy.of(hwpt));
            vmm.ioctl(iommufd, IommuDestroy.of(ioas));
        }

        @Test
        void anAttachByIoasNeverPicksAManualHwpt() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int devid = vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            int manual = vmm.ioctl(iommufd, IommuHwptAlloc.of(devid, ioas)).outHwptId();
            int used = vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
            assertThat(used).isNotEqualTo(manual).isEqualTo(manual + 1);
        }

        @Test
        void aSiblingCannotAttachToAnotherHwptThanItsGroup() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int otherIoas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int audio = vmm.open(cdev(host, GPU_AUDIO));
            int gpuId = vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            vmm.ioctl(audio, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas));
            int manual = vmm.ioctl(iommufd, IommuHwptAlloc.of(gpuId, ioas)).outHwptId();
            fails(Errno.EINVAL, () -> vmm.ioctl(audio, VfioDeviceAttachIommufdPt.of(manual)));
            fails(Errno.EINVAL, () -> vmm.ioctl(audio, VfioDeviceAttachIommufdPt.of(otherIoas)));
            assertThat(host.vfioDevice(GPU_AUDIO).iommufdAttached()).isFalse();
            int before = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            assertThat(before).as("the discarded auto HWPT gave its ID back").isEqualTo(manual + 1);
        }

        @Test
        void aReservedRegionOverAMappedAreaIsEaddrinuseAndChangesNothing() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host, Capability.CAP_IPC_LOCK);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            long memory = vmm.mmap(0x10000);
            vmm.ioctl(iommufd, IommuIoasMap.of(RW | IommuIoasMap.FIXED_IOVA, ioas, memory, 0x10000, MSI_WINDOW));
            int gpu = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            fails(Errno.EADDRINUSE, () -> vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)));
            assertThat(vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 4)).allowedIovas())
                    .containsExactly(new IovaRange(0, -1L));
            assertThat(vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId()).isEqualTo(3);
        }

        @Test
        void anAllowedRangeOverAReservedRegionIsEaddrinuse() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas, List.of(new IovaRange(0xf000_0000L, 0xffff_ffffL))));
            int gpu = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            fails(Errno.EADDRINUSE, () -> vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)));
            vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas, List.of(new IovaRange(0x1000, 0xffff_ffffL >>> 4))));
            vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas));
            fails(Errno.EADDRINUSE, () -> vmm.ioctl(iommufd,
                    IommuIoasAllowIovas.of(ioas, List.of(new IovaRange(MSI_WINDOW, MSI_WINDOW + 0xfff)))));
        }

        @Test
        void reAttachWhileAttachedIsEbusyOnV11() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            int hwpt = vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
            fails(Errno.EBUSY, () -> vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)));
            fails(Errno.EBUSY, () -> vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(hwpt)));
            vmm.ioctl(gpu, VfioDeviceDetachIommufdPt.of());
            assertThat(vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId()).isEqualTo(hwpt);
        }

        @Test
        void reAttachReplacesOn66AndTheOldAutoHwptGoes() {
            Host host = workstation(KernelProfile.LINUX_6_6);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int otherIoas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int audio = vmm.open(cdev(host, GPU_AUDIO));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(audio, VfioDeviceBindIommufd.of(iommufd));
            int hwpt = vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
            vmm.ioctl(audio, VfioDeviceAttachIommufdPt.of(ioas));
            assertThat(vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId()).isEqualTo(hwpt);
            assertThat(vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(hwpt)).ptId()).isEqualTo(hwpt);
            int moved = vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(otherIoas)).ptId();
            assertThat(moved).isNotEqualTo(hwpt);
            assertThat(host.vfioDevice(GPU_AUDIO).iommufdDevice().hwpt().id())
                    .as("replace moves the whole group").isEqualTo(moved);
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuDestroy.of(hwpt)));
            assertThat(vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 4)).allowedIovas())
                    .containsExactly(new IovaRange(0, -1L));
            vmm.ioctl(iommufd, IommuDestroy.of(ioas));
        }

        @Test
        void replaceIntoAnIoasWhoseAreasCoverAReservedRegionIsEaddrinuseAndKeepsTheOldHwpt() {
            Host host = workstation(KernelProfile.LINUX_6_6);
            TestProcess vmm = TestProcess.spawn(host, Capability.CAP_IPC_LOCK);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int blocked = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            long memory = vmm.mmap(0x1000);
            vmm.ioctl(iommufd, IommuIoasMap.of(RW | IommuIoasMap.FIXED_IOVA, blocked, memory, 0x1000, MSI_WINDOW));
            int gpu = vmm.open(cdev(host, GPU));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            int hwpt = vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
            fails(Errno.EADDRINUSE, () -> vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(blocked)));
            assertThat(host.vfioDevice(GPU).iommufdDevice().hwpt().id()).isEqualTo(hwpt);
            assertThat(vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId()).isEqualTo(hwpt + 1);
            assertThat(vmm.ioctl(iommufd, IommuIoasIovaRanges.of(blocked, 4)).allowedIovas())
                    .containsExactly(new IovaRange(0, -1L));
        }

        @Test
        void detachOfADetachedDeviceIsANoOpAndTheLastDetachFreesTheAutoHwpt() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int audio = vmm.open(cdev(host, GPU_AUDIO));
            vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(audio, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(gpu, VfioDeviceDetachIommufdPt.of());
            int hwpt = vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
            vmm.ioctl(audio, VfioDeviceAttachIommufdPt.of(ioas));
            vmm.ioctl(gpu, VfioDeviceDetachIommufdPt.of());
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(hwpt)));
            vmm.ioctl(audio, VfioDeviceDetachIommufdPt.of());
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuDestroy.of(hwpt)));
            vmm.ioctl(iommufd, IommuDestroy.of(ioas));
        }

        @Test
        void destroyingADevidAnAttachedAutoHwptOrItsIoasIsEbusy() {
            Host host = workstation(KernelProfile.V11);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int gpu = vmm.open(cdev(host, GPU));
            int devid = vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(devid)));
            int hwpt = vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(devid)));
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(hwpt)));
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(ioas)));
            vmm.close(gpu);
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuDestroy.of(devid)));
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuDestroy.of(hwpt)));
            vmm.ioctl(iommufd, IommuDestroy.of(ioas));
        }

        @ParameterizedTest
        @EnumSource(KernelProfile.class)
        void attachAndDetachOnAGroupPathFdAreEinvalOnV11AndEnottyOn66(KernelProfile profile) {
            Host host = workstation(profile);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int group = vmm.open("/dev/vfio/12");
            vmm.ioctl(group, new VfioGroupSetContainer(iommufd));
            int device = vmm.ioctl(group, new VfioGroupGetDeviceFd(GPU)).fd();
            Errno expected = profile == KernelProfile.V11 ? Errno.EINVAL : Errno.ENOTTY;
            fails(expected, () -> vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(1)));
            fails(expected, () -> vmm.ioctl(device, VfioDeviceDetachIommufdPt.of()));
        }
    }

    @Nested
    class Emulated {
        @Test
        void anEmulatedDevidIsAnAccessThatAttachesOnlyToAnIoas() {
            Host host = Host.boot(TestHosts.shipped("emulated-devices"));
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int t4 = vmm.open(cdev(host, "0000:01:00.0"));
            int t4Id = vmm.ioctl(t4, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            int hwpt = vmm.ioctl(iommufd, IommuHwptAlloc.of(t4Id, ioas)).outHwptId();
            int tty = vmm.open(cdev(host, "mtty-0"));
            int devid = vmm.ioctl(tty, VfioDeviceBindIommufd.of(iommufd)).outDevid();
            assertThat(devid).isEqualTo(4);
            assertThat(host.vfioDevice("mtty-0").iommufdAccess().id()).isEqualTo(devid);
            fails(Errno.ENOENT, () -> vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(hwpt)));
            fails(Errno.ENOENT, () -> vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(t4Id)));
            fails(Errno.ENOENT, () -> vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(99)));
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuHwptAlloc.of(devid, ioas)));
            assertThat(vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas)).ptId()).isEqualTo(ioas);
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(devid)));
            fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(ioas)));
            vmm.ioctl(tty, VfioDeviceDetachIommufdPt.of());
            vmm.ioctl(tty, VfioDeviceDetachIommufdPt.of());
            vmm.ioctl(iommufd, IommuDestroy.of(hwpt));
            vmm.ioctl(iommufd, IommuDestroy.of(ioas));
        }

        @ParameterizedTest
        @EnumSource(KernelProfile.class)
        void reAttachOfAnEmulatedDeviceIsEbusyOnV11AndReplacesOn66(KernelProfile profile) {
            Host host = shipped("emulated-devices", profile);
            TestProcess vmm = TestProcess.spawn(host);
            int iommufd = vmm.open("/dev/iommu");
            int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int otherIoas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
            int tty = vmm.open(cdev(host, "mtty-1"));
            vmm.ioctl(tty, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas));
            if (profile == KernelProfile.V11) {
                fails(Errno.EBUSY, () -> vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(otherIoas)));
                fails(Errno.EBUSY, () -> vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas)));
                assertThat(host.vfioDevice("mtty-1").iommufdAccess().ioas().id()).isEqualTo(ioas);
            } else {
                assertThat(vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas)).ptId()).isEqualTo(ioas);
                assertThat(vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(otherIoas)).ptId()).isEqualTo(otherIoas);
                assertThat(host.vfioDevice("mtty-1").iommufdAccess().ioas().id()).isEqualTo(otherIoas);
                vmm.ioctl(iommufd, IommuDestroy.of(ioas));
                fails(Errno.EBUSY, () -> vmm.ioctl(iommufd, IommuDestroy.of(otherIoas)));
            }
        }
    }

    @Nested
    class EmulatedPins {
        private final Host host = Host.boot(TestHosts.shipped("emulated-devices"));
        private final TestProcess vmm = TestProcess.spawn(host, new ProcessSpec("vmm", 1000, Set.of(), 64 * 4096));
        private final int iommufd = vmm.open("/dev/iommu");
        private final int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        private final int tty = vmm.open(cdev(host, "mtty-0"));

        private IommufdAccess access() {
            return host.vfioDevice("mtty-0").iommufdAccess();
        }

        private void pin(long iova, long length) {
            host.inspect(() -> {
                access().pin(iova, length, true);
                return null;
            });
        }

        @Test
        void anUnmapTellsTheDriverToDropItsPinsAndThenSucceeds() {
            vmm.ioctl(tty, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas));
            long memory = vmm.mmap(8 * 4096);
            long iova = vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 8 * 4096, 0)).iova();
            pin(iova + 4096, 2 * 4096);
            assertThat(host.lockedPagesByUser()).containsEntry(1000, 8L);
            assertThat(vmm.ioctl(iommufd, Ioctl.IommuIoasUnmap.of(ioas, iova, 8 * 4096)).length()).isEqualTo(8 * 4096);
            assertThat(access().pins()).isEmpty();
            assertThat(host.lockedPagesByUser()).containsEntry(1000, 0L);
        }

        @Test
        void detachAndCloseDropEveryPin() {
            vmm.ioctl(tty, VfioDeviceBindIommufd.of(iommufd));
            vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas));
            long memory = vmm.mmap(4 * 4096);
            long iova = vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 4 * 4096, 0)).iova();
            pin(iova, 4096);
            vmm.ioctl(tty, VfioDeviceDetachIommufdPt.of());
            assertThat(access().pins()).isEmpty();
            assertThat(host.lockedPagesByUser()).containsEntry(1000, 0L);
            vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas));
            pin(iova, 2 * 4096);
            assertThat(host.lockedPagesByUser()).containsEntry(1000, 4L);
            vmm.close(tty);
            assertThat(host.lockedPagesByUser()).containsEntry(1000, 0L);
            vmm.ioctl(iommufd, IommuDestroy.of(ioas));
        }

        @Test
        void attachingAnAccessToAnIoasWithUnalignedAreasIsEaddrinuse() {
            long memory = vmm.mmap(4 * 4096);
            vmm.ioctl(iommufd, IommuIoasMap.of(RW | IommuIoasMap.FIXED_IOVA, ioas, memory, 0x1800, 0x10000));
            vmm.ioctl(tty, VfioDeviceBindIommufd.of(iommufd));
            fails(Errno.EADDRINUSE, () -> vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas)));
            assertThat(host.vfioDevice("mtty-0").iommufdAttached()).isFalse();
            vmm.ioctl(iommufd, Ioctl.IommuIoasUnmap.all(ioas));
            vmm.ioctl(tty, VfioDeviceAttachIommufdPt.of(ioas));
        }
    }

    /**
     * The fail-nth sweep: every allocation point of BIND and ATTACH is failed in turn, and after each
     * failure the host must be as it was, which the same sequence then proves by succeeding.
     */
    @Nested
    class FailNth {
        @AfterEach
        void disarm() {
            FaultInjection.disarm();
        }

        @Test
        void aFailureAnywhereInBindOrAttachLeavesNothingBehind() {
            for (int nth = 1; ; nth++) {
                Host host = workstation(KernelProfile.V11);
                TestProcess vmm = TestProcess.spawn(host, new ProcessSpec("vmm", 1000, Set.of(), 64 * 4096));
                int iommufd = vmm.open("/dev/iommu");
                int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
                long memory = vmm.mmap(8 * 4096);
                vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 8 * 4096, 0));
                int gpu = vmm.open(cdev(host, GPU));
                FaultInjection.failNth(nth);
                boolean failed = false;
                try {
                    vmm.ioctl(gpu, VfioDeviceBindIommufd.of(iommufd));
                    vmm.ioctl(gpu, VfioDeviceAttachIommufdPt.of(ioas));
                } catch (io.vfleet.engine.KernelException e) {
                    assertThat(e.errno()).isEqualTo(Errno.ENOMEM);
                    failed = true;
                }
                boolean hit = FaultInjection.disarm();
                assertThat(failed).isEqualTo(hit);
                if (!hit) {
                    assertThat(nth).as("the sweep met at least one allocation point").isGreaterThan(1);
                    return;
                }
                vmm.close(gpu);
                VfioDevice device = host.vfioDevice(GPU);
                assertThat(device.openCount()).as("nth " + nth).isZero();
                assertThat(device.iommuGroup().isOwned()).as("nth " + nth).isFalse();
                assertThat(device.group().cdevDeviceOpenCount()).as("nth " + nth).isZero();
                assertThat(host.lockedPagesByUser()).as("nth " + nth).containsEntry(1000, 0L);
                int again = vmm.open(cdev(host, GPU));
                assertThat(vmm.ioctl(again, VfioDeviceBindIommufd.of(iommufd)).outDevid()).as("nth " + nth).isEqualTo(2);
                assertThat(vmm.ioctl(again, VfioDeviceAttachIommufdPt.of(ioas)).ptId()).as("nth " + nth).isEqualTo(3);
                assertThat(host.lockedPagesByUser()).as("nth " + nth).containsEntry(1000, 8L);
            }
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
