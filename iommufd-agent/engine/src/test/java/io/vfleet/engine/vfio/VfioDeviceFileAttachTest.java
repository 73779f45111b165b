package io.vfleet.engine.vfio;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.FaultInjection;
import io.vfleet.engine.Host;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuHwptAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAllowIovas;
import io.vfleet.engine.uapi.Ioctl.IommuIoasIovaRanges;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ATTACH and DETACH through a bound cdev file (KERNEL.md §4.4, §4.5, §7.3, §8, §9): auto and manual
 * HWPTs, group consistency, reserved regions, re-ATTACH under both profiles, emulated devices and
 * their pins, and a fail-nth sweep over BIND and ATTACH.
 */
class VfioDeviceFileAttachTest {
    private static final int RW = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;
    private static final long MSI_WINDOW = 0xfee0_0000L;
    private static final String GPU = VfioDeviceFileTest.GPU;
    private static final String GPU_AUDIO = VfioDeviceFileTest.GPU_AUDIO;

    private static Host workstation(KernelProfile profile) {
        return VfioDeviceFileTest.workstation(profile);
    }

    private static Host shipped(String name, KernelProfile profile) {
        return VfioDeviceFileTest.shipped(name, profile);
    }

    private static String cdev(Host host, String name) {
        return VfioDeviceFileTest.cdev(host, name);
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
            assertThat(vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, iova, 8 * 4096)).length()).isEqualTo(8 * 4096);
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
            vmm.ioctl(iommufd, IommuIoasUnmap.all(ioas));
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
                } catch (KernelException e) {
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
}
