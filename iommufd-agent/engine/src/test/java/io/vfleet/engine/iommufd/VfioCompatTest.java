package io.vfleet.engine.iommufd;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.process.AddressSpace;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuOption;
import io.vfleet.engine.uapi.Ioctl.IommuVfioIoas;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioGetApiVersion;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetStatus;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioIommuUnmapDma;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;
import io.vfleet.engine.vfio.VfioDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The VFIO container API served by an iommufd (vfio_compat.c, KERNEL.md §6.2), on a host built with
 * IOMMUFD_VFIO_CONTAINER, where {@code /dev/vfio/vfio} is an iommufd: groups 10 and 11 with one
 * device each.
 */
class VfioCompatTest {
    private static final long PAGE = AddressSpace.PAGE_SIZE;
    private static final int RW = VfioIommuMapDma.FLAG_READ | VfioIommuMapDma.FLAG_WRITE;
    private static final long IOVA = 1L << 32;
    private static final String DEVICE0 = "0000:01:00.0";
    private static final String NOIOMMU_HOST = """
            hostname: compat-noiommu
            kernel: {profile: v11, vfioContainer: false, iommufdVfioContainer: true, unsafeNoiommuMode: true}
            devices:
              - {bdf: 0000:00:03.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}, driver: vfio-pci}
              - {bdf: 0000:00:04.0, id: {vendor: 0x8086, device: 0x1533, class: 0x020000}, driver: vfio-pci, iommuGroup: 7}
            """;

    private final Host host = compatHost(KernelProfile.V11);
    private final TestProcess vmm = TestProcess.spawn(host);
    private final int container = vmm.open("/dev/vfio/vfio");

    private static Host compatHost(KernelProfile profile) {
        return TestHosts.boot(TestHosts.simpleHost(2, profile.label()).replace("kernel: {profile: " + profile.label() + "}",
                "kernel: {profile: " + profile.label() + ", vfioContainer: false, iommufdVfioContainer: true}"));
    }

    /** open group 10, SET_CONTAINER, SET_IOMMU(TYPE1v2), GET_DEVICE_FD: what QEMU does; returns the device fd. */
    private static int legacySequence(TestProcess process, int containerFd) {
        int group = process.open("/dev/vfio/10");
        process.ioctl(group, new VfioGroupSetContainer(containerFd));
        process.ioctl(containerFd, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        return process.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();
    }

    private int compatIoasId() {
        return vmm.ioctl(container, IommuVfioIoas.of(IommuVfioIoas.OP_GET, 0)).ioasId();
    }

    private long hugePages(int ioasId) {
        return vmm.ioctl(container, IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_GET, ioasId, 0)).val64();
    }

    // ---- the node and its accounting ----

    @Test
    void theCompatContainerNodeIsAnIommufdThatChargesPinsToTheProcess() {
        int plain = vmm.open("/dev/iommu");

        assertThat(vmm.ioctl(container, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0)).val64()).isEqualTo(1);
        assertThat(vmm.ioctl(plain, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0)).val64()).isZero();
        assertThat(vmm.ioctl(container, IommuIoasAlloc.of()).outIoasId()).isEqualTo(1);
    }

    @Test
    void mapDmaThroughTheCompatContainerIsChargedToLockedVmNotToTheUser() {
        legacySequence(vmm, container);
        long memory = vmm.mmap(4 * PAGE);

        vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA, 4 * PAGE));

        assertThat(host.inspect(() -> host.process(vmm.pid()).lockedVmPages())).isEqualTo(4);
        assertThat(host.lockedPagesByUser()).containsEntry(1000, 0L);
    }

    // ---- IOMMU_VFIO_IOAS ----

    @Test
    void getWithoutACompatIoasIsEnodev() {
        fails(Errno.ENODEV, () -> compatIoasId());
    }

    @Test
    void setNeedsAnIoasIdAndGetThenReturnsIt() {
        int ioas = vmm.ioctl(container, IommuIoasAlloc.of()).outIoasId();

        fails(Errno.ENOENT, () -> vmm.ioctl(container, IommuVfioIoas.of(IommuVfioIoas.OP_SET, 99)));
        fails(Errno.ENOENT, () -> vmm.ioctl(container, IommuVfioIoas.of(IommuVfioIoas.OP_SET, 0)));
        vmm.ioctl(container, IommuVfioIoas.of(IommuVfioIoas.OP_SET, ioas));

        assertThat(compatIoasId()).isEqualTo(ioas);
    }

    @Test
    void clearForgetsTheCompatIoasButLeavesItAlive() {
        vmm.ioctl(vmm.open("/dev/vfio/10"), new VfioGroupSetContainer(container));
        int ioas = compatIoasId();

        vmm.ioctl(container, IommuVfioIoas.of(IommuVfioIoas.OP_CLEAR, 0));

        fails(Errno.ENODEV, () -> compatIoasId());
        vmm.ioctl(container, IommuVfioIoas.of(IommuVfioIoas.OP_SET, ioas));
        assertThat(compatIoasId()).isEqualTo(ioas);
    }

    @Test
    void aReservedFieldOrAnUnknownOpIsEopnotsupp() {
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(container, new IommuVfioIoas(IommuVfioIoas.SIZE, 0, IommuVfioIoas.OP_GET, 1)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(container, IommuVfioIoas.of(3, 0)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, new IommuVfioIoas(IommuVfioIoas.SIZE - 1, 0, IommuVfioIoas.OP_GET, 0)));
    }

    @Test
    void destroyingTheCompatIoasForgetsIt() {
        vmm.ioctl(vmm.open("/dev/vfio/10"), new VfioGroupSetContainer(container));

        vmm.ioctl(container, IommuDestroy.of(compatIoasId()));

        fails(Errno.ENODEV, () -> compatIoasId());
    }

    // ---- container ioctls ----

    @Test
    void checkExtensionAnswersForTypeOneAndAsksTheCompatIoasAboutCoherency() {
        assertThat(vmm.ioctl(container, new VfioGetApiVersion()).version()).isZero();
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.TYPE1_IOMMU)).supported()).isEqualTo(1);
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.TYPE1V2_IOMMU)).supported()).isEqualTo(1);
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.UNMAP_ALL)).supported()).isEqualTo(1);
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.NOIOMMU_IOMMU)).supported()).isZero();
        assertThat(vmm.ioctl(container, new VfioCheckExtension(10)).supported()).as("UPDATE_VADDR").isZero();
        fails(Errno.ENODEV, () -> vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.DMA_CC_IOMMU)));

        legacySequence(vmm, container);

        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.DMA_CC_IOMMU)).supported()).isEqualTo(1);
    }

    @Test
    void setIommuWithoutACompatIoasIsEnodevAndOnlyTypeOneIsServed() {
        fails(Errno.ENODEV, () -> vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, new VfioSetIommu(2)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.NOIOMMU_IOMMU)));
    }

    @Test
    void typeOneDisablesHugePagesOnTheCompatIoasAndTypeOneVersionTwoDoesNot() {
        vmm.ioctl(vmm.open("/dev/vfio/10"), new VfioGroupSetContainer(container));
        int ioas = compatIoasId();
        vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        assertThat(hugePages(ioas)).isEqualTo(1);

        vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1_IOMMU));

        assertThat(hugePages(ioas)).isZero();
    }

    @Test
    void mapDmaWithoutACompatIoasIsEnodevAndMalformedRequestsAreEinval() {
        long memory = vmm.mmap(PAGE);

        fails(Errno.EINVAL, () -> vmm.ioctl(container, new VfioIommuMapDma(31, RW, memory, IOVA, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW | 4, memory, IOVA, PAGE)));
        fails(Errno.ENODEV, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA, PAGE)));
    }

    @Test
    void mapDmaNeedsReadOrWriteAndUnmapDmaRefusesARangeThatWrapsAround() {
        legacySequence(vmm, container);
        long memory = vmm.mmap(PAGE);

        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(0, memory, IOVA, PAGE)));
        fails(Errno.EOVERFLOW, () -> vmm.ioctl(container, VfioIommuUnmapDma.of(0, -PAGE, 2 * PAGE)));
    }

    @Test
    void mapDmaIsAFixedIovaMapOfTheCompatIoas() {
        legacySequence(vmm, container);
        long memory = vmm.mmap(4 * PAGE);

        vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA, 4 * PAGE));

        fails(Errno.EEXIST, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA + PAGE, PAGE)));
        fails("the MSI window is reserved once the device is attached", Errno.EINVAL,
                () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, 0xFEE00000L, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA + 16 * PAGE + 1, PAGE)));
    }

    @ParameterizedTest
    @EnumSource(value = KernelProfile.class, names = {"V11", "LINUX_6_6"})
    void unmapDmaOfAnEmptyRangeIsEnoentUpToLinux66(KernelProfile profile) {
        Host profiled = compatHost(profile);
        TestProcess process = TestProcess.spawn(profiled);
        int containerFd = process.open("/dev/vfio/vfio");
        legacySequence(process, containerFd);
        long memory = process.mmap(PAGE);
        process.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, IOVA, PAGE));

        fails(Errno.ENOENT, () -> process.ioctl(containerFd, VfioIommuUnmapDma.of(0, IOVA + 16 * PAGE, PAGE)));
        assertThat(process.ioctl(containerFd, VfioIommuUnmapDma.of(0, IOVA, PAGE)).size()).isEqualTo(PAGE);
    }

    /** As the lab's 6.12.118 answers: vfio_compat's unmap of an empty range succeeds; one sticking out is still ENOENT. */
    @Test
    void unmapDmaOfAnEmptyRangeSucceedsWithNothingOnLinux612() {
        Host profiled = compatHost(KernelProfile.LINUX_6_12);
        TestProcess process = TestProcess.spawn(profiled);
        int containerFd = process.open("/dev/vfio/vfio");
        legacySequence(process, containerFd);
        long memory = process.mmap(2 * PAGE);
        process.ioctl(containerFd, VfioIommuMapDma.of(RW, memory, IOVA, 2 * PAGE));

        assertThat(process.ioctl(containerFd, VfioIommuUnmapDma.of(0, IOVA + 16 * PAGE, PAGE)).size()).isZero();
        fails(Errno.ENOENT, () -> process.ioctl(containerFd, VfioIommuUnmapDma.of(0, IOVA, PAGE)));
        assertThat(process.ioctl(containerFd, VfioIommuUnmapDma.of(0, IOVA, 2 * PAGE)).size()).isEqualTo(2 * PAGE);
    }

    @Test
    void unmapDmaRulesForFlagsAndUnmapAll() {
        fails(Errno.ENODEV, () -> vmm.ioctl(container, VfioIommuUnmapDma.of(0, IOVA, PAGE)));
        legacySequence(vmm, container);
        long memory = vmm.mmap(8 * PAGE);
        vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA, 2 * PAGE));
        vmm.ioctl(container, VfioIommuMapDma.of(RW, memory, IOVA + 4 * PAGE, 3 * PAGE));

        fails(Errno.EINVAL, () -> vmm.ioctl(container, new VfioIommuUnmapDma(23, 0, IOVA, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuUnmapDma.of(VfioIommuUnmapDma.FLAG_GET_DIRTY_BITMAP, IOVA, PAGE)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuUnmapDma.of(VfioIommuUnmapDma.FLAG_ALL, IOVA, 0)));
        fails(Errno.EINVAL, () -> vmm.ioctl(container, VfioIommuUnmapDma.of(0, IOVA, 0)));

        assertThat(vmm.ioctl(container, VfioIommuUnmapDma.of(VfioIommuUnmapDma.FLAG_ALL, 0, 0)).size()).isEqualTo(5 * PAGE);
        assertThat(host.inspect(() -> host.process(vmm.pid()).lockedVmPages())).isZero();
    }

    @Test
    void anUnknownContainerIoctlIsEnotty() {
        fails(Errno.ENOTTY, () -> vmm.ioctl(container, new io.vfleet.engine.uapi.Ioctl.UnknownIoctl(';', 0x73)));
    }

    // ---- no-iommu mode ----

    @Test
    void aNoiommuGroupPutsTheContextInNoIommuModeWhereRealGroupsCannotJoin() {
        Host noiommu = TestHosts.boot(NOIOMMU_HOST);
        TestProcess process = TestProcess.spawn(noiommu, Capability.CAP_SYS_RAWIO);
        int containerFd = process.open("/dev/vfio/vfio");
        VfioDevice fake = noiommu.vfioDevice("0000:00:03.0");
        int fakeGroup = process.open("/dev/vfio/" + fake.group().nodeName());
        int realGroup = process.open("/dev/vfio/7");

        process.ioctl(fakeGroup, new VfioGroupSetContainer(containerFd));

        fails(Errno.EINVAL, () -> process.ioctl(realGroup, new VfioGroupSetContainer(containerFd)));
        fails(Errno.EINVAL, () -> process.ioctl(containerFd, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU)));
        process.ioctl(containerFd, new VfioSetIommu(VfioCheckExtension.NOIOMMU_IOMMU));
        process.ioctl(fakeGroup, new VfioGroupGetDeviceFd("0000:00:03.0"));
        assertThat(fake.openCount()).isEqualTo(1);
        assertThat(fake.devid()).as("the group path binds no access for noiommu").isZero();
    }

    @Test
    void aNoiommuGroupCannotJoinAContextThatHasACompatIoas() {
        Host noiommu = TestHosts.boot(NOIOMMU_HOST);
        TestProcess process = TestProcess.spawn(noiommu, Capability.CAP_SYS_RAWIO);
        int containerFd = process.open("/dev/vfio/vfio");
        process.ioctl(process.open("/dev/vfio/7"), new VfioGroupSetContainer(containerFd));
        int fakeGroup = process.open("/dev/vfio/" + noiommu.vfioDevice("0000:00:03.0").group().nodeName());

        fails(Errno.EINVAL, () -> process.ioctl(fakeGroup, new VfioGroupSetContainer(containerFd)));
    }

    @Test
    void aNoiommuDeviceCannotOpenOnceTheContextGainedACompatIoas() {
        Host noiommu = TestHosts.boot(NOIOMMU_HOST);
        TestProcess process = TestProcess.spawn(noiommu, Capability.CAP_SYS_RAWIO);
        int containerFd = process.open("/dev/vfio/vfio");
        int fakeGroup = process.open("/dev/vfio/" + noiommu.vfioDevice("0000:00:03.0").group().nodeName());
        process.ioctl(fakeGroup, new VfioGroupSetContainer(containerFd));
        int ioas = process.ioctl(containerFd, IommuIoasAlloc.of()).outIoasId();
        process.ioctl(containerFd, IommuVfioIoas.of(IommuVfioIoas.OP_SET, ioas));

        fails(Errno.EPERM, () -> process.ioctl(fakeGroup, new VfioGroupGetDeviceFd("0000:00:03.0")));
    }

    // ---- a whole VMM ----

    @Test
    void qemusLegacyContainerSequenceRunsUnchangedOnCompat() {
        assertThat(vmm.ioctl(container, new VfioGetApiVersion()).version()).isZero();
        assertThat(vmm.ioctl(container, new VfioCheckExtension(VfioCheckExtension.TYPE1V2_IOMMU)).supported()).isEqualTo(1);
        int group = vmm.open("/dev/vfio/10");
        assertThat(vmm.ioctl(group, VfioGroupGetStatus.of()).flags()).isEqualTo(VfioGroupGetStatus.FLAGS_VIABLE);
        vmm.ioctl(group, new VfioGroupSetContainer(container));
        vmm.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        long ram = vmm.mmap(64 * PAGE);
        vmm.ioctl(container, VfioIommuMapDma.of(RW, ram, 0, 64 * PAGE));
        int device = vmm.ioctl(group, new VfioGroupGetDeviceFd(DEVICE0)).fd();
        VfioDeviceGetInfo.Reply info = vmm.ioctl(device, VfioDeviceGetInfo.of());
        assertThat(info.flags()).isEqualTo(VfioDeviceGetInfo.FLAGS_PCI | VfioDeviceGetInfo.FLAGS_RESET);
        assertThat(host.inspect(() -> host.process(vmm.pid()).lockedVmPages())).as("pinned at attach").isEqualTo(64);

        assertThat(vmm.ioctl(container, VfioIommuUnmapDma.of(0, 0, 64 * PAGE)).size()).isEqualTo(64 * PAGE);
        vmm.close(device);
        vmm.close(group);
        vmm.close(container);

        VfioDevice opened = host.vfioDevice(DEVICE0);
        assertThat(opened.openCount()).isZero();
        assertThat(opened.iommuGroup().isOwned()).isFalse();
        assertThat(host.inspect(() -> host.process(vmm.pid()).lockedVmPages())).isZero();
    }
}
