package io.vfleet.engine.iommufd;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuHwptAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAllowIovas;
import io.vfleet.engine.uapi.Ioctl.IommuIoasCopy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasIovaRanges;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.IommuOption;
import io.vfleet.engine.uapi.Ioctl.IommuVfioIoas;
import io.vfleet.engine.uapi.Ioctl.UnknownIoctl;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetStatus;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The iommufd context through {@code /dev/iommu} (KERNEL.md §2.1, §3.2, §10.8, §10.9): the size and
 * field rules every handler shares, lookups by ID of the wrong type, IOMMU_OPTION, who pays for
 * pinned pages, and what closing the context tears down.
 */
class IommufdContextTest {
    private static final int RW = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;
    private static final long PAGE = 4096;

    private final Host host = TestHosts.boot(TestHosts.simpleHost(2, "v11"));

    private static int ioas(TestProcess process, int iommufd) {
        return process.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
    }

    /** Binds vfio{@code index} to the context and attaches it to {@code ioas}; returns the device fd. */
    private static int attach(TestProcess process, int iommufd, int index, int ioas) {
        int device = process.open("/dev/vfio/devices/vfio" + index);
        process.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        process.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas));
        return device;
    }

    private IommufdContext context(TestProcess process, int iommufd) {
        return host.inspect(() -> host.process(process.pid()).files().get(iommufd, IommufdFile.class, Errno.EBADFD).context());
    }

    @Test
    void everyIommufdIoctlShorterThanItsLastMandatoryFieldIsEinval() {
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        List<Ioctl<?>> shortRequests = List.of(
                new IommuDestroy(7, ioas),
                new IommuIoasAlloc(11, 0),
                new IommuIoasAllowIovas(23, ioas, 0, List.of()),
                new IommuIoasCopy(39, RW, ioas, ioas, PAGE, 0, 0),
                new IommuIoasIovaRanges(31, ioas, 4, 0),
                new IommuIoasMap(39, RW, ioas, 0, vmm.mmap(PAGE), PAGE, 0),
                new IommuIoasUnmap(23, ioas, 0, -1L),
                new IommuOption(23, IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0, 0),
                new IommuVfioIoas(11, ioas, IommuVfioIoas.OP_GET, 0),
                new IommuHwptAlloc(23, 0, 1, ioas, 0),
                new IommuIoasAlloc(0, 1));
        for (Ioctl<?> request : shortRequests) {
            fails(request.toString(), Errno.EINVAL, () -> vmm.ioctl(iommufd, request));
        }
        assertThat(context(vmm, iommufd).objects().objects()).hasSize(1);
    }

    @Test
    void unknownFlagsAndReservedFieldsAreEopnotsupp() {
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        long memory = vmm.mmap(PAGE);
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuIoasAlloc(IommuIoasAlloc.SIZE, 1)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuIoasMap(40, RW | 8, ioas, 0, memory, PAGE, 0)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuIoasMap(40, RW, ioas, 1, memory, PAGE, 0)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuIoasCopy(40, RW | 8, ioas, ioas, PAGE, 0, 0)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuIoasIovaRanges(32, ioas, 4, 1)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuIoasAllowIovas(24, ioas, 1, List.of())));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuVfioIoas(12, ioas, IommuVfioIoas.OP_GET, 1)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuVfioIoas(12, ioas, 3, 0)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuHwptAlloc(24, 1, 1, ioas, 0)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuHwptAlloc(24, 0, 1, ioas, 1)));
        assertThat(ioas(vmm, iommufd)).as("no ID was taken by the refused calls").isEqualTo(2);
    }

    @Test
    void requestsForOtherFilesAreEnotty() {
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        fails(Errno.ENOTTY, () -> vmm.ioctl(iommufd, new UnknownIoctl(';', 0x8b)));
        fails(Errno.ENOTTY, () -> vmm.ioctl(iommufd, VfioDeviceGetInfo.of()));
        fails(Errno.ENOTTY, () -> vmm.ioctl(iommufd, VfioGroupGetStatus.of()));
        fails(Errno.ENOTTY, () -> vmm.ioctl(iommufd, VfioDeviceAttachIommufdPt.of(1)));
    }

    @Test
    void anIdOfTheWrongTypeIsEnoent() {
        TestProcess vmm = TestProcess.spawn(host, Capability.CAP_IPC_LOCK);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        int device = vmm.open("/dev/vfio/devices/vfio0");
        int devid = vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)).outDevid();
        int hwpt = vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        long memory = vmm.mmap(PAGE);
        for (int wrong : new int[] {0, devid, hwpt, 77}) {
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasMap.of(RW, wrong, memory, PAGE, 0)));
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasUnmap.all(wrong)));
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasIovaRanges.of(wrong, 4)));
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasAllowIovas.of(wrong, List.of())));
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, new IommuIoasCopy(40, RW, ioas, wrong, PAGE, 0, 0)));
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_GET, wrong, 0)));
            fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuVfioIoas.of(IommuVfioIoas.OP_SET, wrong)));
        }
        long iova = vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, PAGE, 0)).iova();
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, new IommuIoasCopy(40, RW, devid, ioas, PAGE, 0, iova)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuHwptAlloc.of(ioas, ioas)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuHwptAlloc.of(hwpt, ioas)));
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, IommuHwptAlloc.of(devid, devid)));
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, IommuHwptAlloc.of(devid, 77)));
    }

    @Test
    void rlimitModeIsUserByDefaultAndMmThroughTheCompatContainer() {
        Host compat = TestHosts.boot(TestHosts.simpleHost(1, "v11").replace("kernel: {profile: v11}",
                "kernel: {profile: v11, vfioContainer: false, iommufdVfioContainer: true}"));
        TestProcess vmm = TestProcess.spawn(compat);
        int iommufd = vmm.open("/dev/iommu");
        int container = vmm.open("/dev/vfio/vfio");
        IommuOption get = IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0);
        assertThat(vmm.ioctl(iommufd, get).val64()).isZero();
        assertThat(vmm.ioctl(container, get).val64()).isEqualTo(1);
    }

    @Test
    void settingRlimitModeNeedsCapSysResourceAnEmptyContextAndZeroOrOne() {
        TestProcess plain = TestProcess.spawn(host);
        int plainIommufd = plain.open("/dev/iommu");
        fails(Errno.EPERM, () -> plain.ioctl(plainIommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 1)));

        TestProcess admin = TestProcess.spawn(host, Capability.CAP_SYS_RESOURCE);
        int iommufd = admin.open("/dev/iommu");
        fails(Errno.EOPNOTSUPP, () -> admin.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 1, 1)));
        fails(Errno.EOPNOTSUPP, () -> admin.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, 2, 0, 1)));
        fails(Errno.EOPNOTSUPP, () -> admin.ioctl(iommufd, IommuOption.of(7, IommuOption.OP_GET, 0, 0)));
        fails(Errno.EOPNOTSUPP, () -> admin.ioctl(iommufd, new IommuOption(24, IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 1, 0, 0)));
        fails(Errno.EINVAL, () -> admin.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 2)));
        admin.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 1));
        assertThat(admin.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0)).val64()).isEqualTo(1);
        int ioas = ioas(admin, iommufd);
        fails(Errno.EBUSY, () -> admin.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 0)));
        admin.ioctl(iommufd, IommuDestroy.of(ioas));
        admin.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 0));
        assertThat(admin.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_GET, 0, 0)).val64()).isZero();
    }

    @Test
    void hugePagesIsPerIoasAndItsIoasIsLookedUpBeforeTheOp() {
        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_GET, 0, 0)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, 5, 0, 0)));
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, 5, ioas, 0)));
        assertThat(vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_GET, ioas, 0)).val64()).isEqualTo(1);
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_SET, ioas, 2)));
        vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_SET, ioas, 0));
        assertThat(vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_GET, ioas, 0)).val64()).isZero();
        assertThat(vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 1)).outIovaAlignment()).isEqualTo(PAGE);
        vmm.ioctl(iommufd, IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_SET, ioas, 1));
        assertThat(vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 1)).outIovaAlignment()).isEqualTo(1);
    }

    @Test
    void disablingHugePagesIsEaddrinuseForUnalignedAreasAndEinvalWithDomainsAndAreas() {
        TestProcess vmm = TestProcess.spawn(host, Capability.CAP_IPC_LOCK);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        long memory = vmm.mmap(4 * PAGE);
        vmm.ioctl(iommufd, IommuIoasMap.of(RW | IommuIoasMap.FIXED_IOVA, ioas, memory, 0x1800, 0x10000));
        IommuOption disable = IommuOption.of(IommuOption.HUGE_PAGES, IommuOption.OP_SET, ioas, 0);
        fails(Errno.EADDRINUSE, () -> vmm.ioctl(iommufd, disable));
        vmm.ioctl(iommufd, IommuIoasUnmap.all(ioas));
        vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 4 * PAGE, 0));
        attach(vmm, iommufd, 0, ioas);
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, disable));
        vmm.ioctl(iommufd, IommuIoasUnmap.all(ioas));
        vmm.ioctl(iommufd, disable);
    }

    @Test
    void pinsAreChargedToTheMappersUserUpToItsMemlockLimitAndAllOrNothing() {
        TestProcess vmm = TestProcess.spawn(host, new ProcessSpec("vmm", 2000, Set.of(), 16 * PAGE));
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        attach(vmm, iommufd, 0, ioas);
        long memory = vmm.mmap(32 * PAGE);
        fails(Errno.ENOMEM, () -> vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 17 * PAGE, 0)));
        assertThat(host.lockedPagesByUser()).containsEntry(2000, 0L);
        assertThat(vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 4)).numIovas()).isEqualTo(2);
        vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 12 * PAGE, 0));
        assertThat(host.lockedPagesByUser()).containsEntry(2000, 12L);

        TestProcess sibling = TestProcess.spawn(host, new ProcessSpec("sibling", 2000, Set.of(), 16 * PAGE));
        int siblingIommufd = sibling.open("/dev/iommu");
        int siblingIoas = ioas(sibling, siblingIommufd);
        attach(sibling, siblingIommufd, 1, siblingIoas);
        long siblingMemory = sibling.mmap(8 * PAGE);
        fails(Errno.ENOMEM, () -> sibling.ioctl(siblingIommufd, IommuIoasMap.of(RW, siblingIoas, siblingMemory, 8 * PAGE, 0)));
        sibling.ioctl(siblingIommufd, IommuIoasMap.of(RW, siblingIoas, siblingMemory, 4 * PAGE, 0));
        assertThat(host.lockedPagesByUser()).containsEntry(2000, 16L);
        vmm.exit();
        assertThat(host.lockedPagesByUser()).containsEntry(2000, 4L);
        sibling.exit();
        assertThat(host.lockedPagesByUser()).containsEntry(2000, 0L);
    }

    @Test
    void inMmModePinsAreChargedToTheProcessNotTheUser() {
        TestProcess first = TestProcess.spawn(host, new ProcessSpec("first", 3000, Set.of(Capability.CAP_SYS_RESOURCE), 8 * PAGE));
        TestProcess second = TestProcess.spawn(host, new ProcessSpec("second", 3000, Set.of(Capability.CAP_SYS_RESOURCE), 8 * PAGE));
        int[] iommufds = new int[2];
        int index = 0;
        for (TestProcess process : List.of(first, second)) {
            int iommufd = process.open("/dev/iommu");
            process.ioctl(iommufd, IommuOption.of(IommuOption.RLIMIT_MODE, IommuOption.OP_SET, 0, 1));
            int ioas = ioas(process, iommufd);
            attach(process, iommufd, index, ioas);
            long memory = process.mmap(8 * PAGE);
            process.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 6 * PAGE, 0));
            iommufds[index++] = iommufd;
        }
        assertThat(host.inspect(() -> host.process(first.pid()).lockedVmPages())).isEqualTo(6);
        assertThat(host.inspect(() -> host.process(second.pid()).lockedVmPages())).isEqualTo(6);
        assertThat(host.lockedPagesByUser()).containsEntry(3000, 0L);
        long more = first.mmap(4 * PAGE);
        fails(Errno.ENOMEM, () -> first.ioctl(iommufds[0], IommuIoasMap.of(RW, 1, more, 4 * PAGE, 0)));
        first.ioctl(iommufds[0], IommuIoasUnmap.all(1));
        assertThat(host.inspect(() -> host.process(first.pid()).lockedVmPages())).isZero();
    }

    @Test
    void capIpcLockPinsAreNotCharged() {
        TestProcess vmm = TestProcess.spawn(host, new ProcessSpec("vmm", 4000, Set.of(Capability.CAP_IPC_LOCK), 0));
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        attach(vmm, iommufd, 0, ioas);
        long memory = vmm.mmap(64 * PAGE);
        vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 64 * PAGE, 0));
        assertThat(host.lockedPagesByUser().getOrDefault(4000, 0L)).isZero();
        assertThat(host.inspect(() -> host.process(vmm.pid()).lockedVmPages())).isZero();
    }

    @Test
    void theChargeForAreasMappedBeforeAttachIsTakenAtAttachAndGivenBackAtDetach() {
        TestProcess vmm = TestProcess.spawn(host, new ProcessSpec("vmm", 5000, Set.of(), 8 * PAGE));
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        long memory = vmm.mmap(16 * PAGE);
        vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 16 * PAGE, 0));
        assertThat(host.lockedPagesByUser()).containsEntry(5000, 0L);
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        fails(Errno.ENOMEM, () -> vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas)));
        assertThat(host.vfioDevice("0000:01:00.0").iommufdAttached()).isFalse();
        vmm.ioctl(iommufd, IommuIoasUnmap.all(ioas));
        vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 8 * PAGE, 0));
        vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas));
        assertThat(host.lockedPagesByUser()).containsEntry(5000, 8L);
        vmm.ioctl(device, VfioDeviceDetachIommufdPt.of());
        assertThat(host.lockedPagesByUser()).containsEntry(5000, 0L);
    }

    @Test
    void closingTheLastHolderDestroysEveryObjectAndReturnsEveryPin() {
        TestProcess vmm = TestProcess.spawn(host, new ProcessSpec("vmm", 6000, Set.of(), 64 * PAGE));
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        int other = ioas(vmm, iommufd);
        int device = attach(vmm, iommufd, 0, ioas);
        int devid = host.vfioDevice("0000:01:00.0").devid();
        int manual = vmm.ioctl(iommufd, IommuHwptAlloc.of(devid, other)).outHwptId();
        long memory = vmm.mmap(8 * PAGE);
        long iova = vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, memory, 8 * PAGE, 0)).iova();
        vmm.ioctl(iommufd, new IommuIoasCopy(40, RW, other, ioas, 8 * PAGE, 0, iova));
        vmm.ioctl(iommufd, IommuIoasAllowIovas.of(other, List.of(new IovaRange(0x100000, 0x1fffff))));
        assertThat(manual).isEqualTo(5);
        assertThat(host.lockedPagesByUser()).containsEntry(6000, 8L);
        IommufdContext context = context(vmm, iommufd);
        vmm.close(iommufd);
        assertThat(context.isDestroyed()).isFalse();
        assertThat(host.lockedPagesByUser()).containsEntry(6000, 8L);
        vmm.close(device);
        assertThat(context.isDestroyed()).isTrue();
        assertThat(context.objects().isEmpty()).isTrue();
        assertThat(host.lockedPagesByUser()).containsEntry(6000, 0L);
        assertThat(host.vfioDevice("0000:01:00.0").iommuGroup().isOwned()).isFalse();
    }

    @Test
    void closingAContextWithoutDevicesTearsItDownAtOnce() {
        TestProcess vmm = TestProcess.spawn(host, Capability.CAP_IPC_LOCK);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = ioas(vmm, iommufd);
        vmm.ioctl(iommufd, IommuIoasMap.of(RW, ioas, vmm.mmap(PAGE), PAGE, 0));
        IommufdContext context = context(vmm, iommufd);
        vmm.close(iommufd);
        assertThat(context.isDestroyed()).isTrue();
        assertThat(context.objects().isEmpty()).isTrue();
        fails(Errno.EBADF, () -> vmm.ioctl(iommufd, IommuIoasAlloc.of()));
    }
}
