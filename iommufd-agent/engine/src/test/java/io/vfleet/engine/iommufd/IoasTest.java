package io.vfleet.engine.iommufd;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.process.AddressSpace;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAllowIovas;
import io.vfleet.engine.uapi.Ioctl.IommuIoasCopy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasIovaRanges;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The IOAS ioctls through {@code /dev/iommu} (KERNEL.md §10): MAP, COPY, UNMAP, IOVA_RANGES and
 * ALLOW_IOVAS with their errnos in the kernel's order, and the errors user memory gives when it is
 * pinned.
 */
class IoasTest {
    private static final int RW = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;
    private static final int FIXED = IommuIoasMap.FIXED_IOVA;
    private static final long PAGE = 4096;
    private static final long U64_MAX = -1L;
    private static final long MSI_WINDOW = 0xfee0_0000L;

    private final Host host = TestHosts.boot(TestHosts.simpleHost(1, "v11"));
    private TestProcess vmm;
    private int iommufd;
    private int ioas;

    @BeforeEach
    void openIoas() {
        vmm = TestProcess.spawn(host, Capability.CAP_IPC_LOCK);
        iommufd = vmm.open("/dev/iommu");
        ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
    }

    private long map(int flags, long userVa, long length, long iova) {
        return vmm.ioctl(iommufd, IommuIoasMap.of(flags, ioas, userVa, length, iova)).iova();
    }

    private void attachDevice() {
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas));
    }

    private static IommuIoasCopy copy(int flags, int dst, int src, long length, long dstIova, long srcIova) {
        return new IommuIoasCopy(IommuIoasCopy.SIZE, flags, dst, src, length, dstIova, srcIova);
    }

    @Test
    void mapChecksComeInTheKernelsOrder() {
        long memory = vmm.mmap(4 * PAGE);
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, new IommuIoasMap(40, 8, 99, 0, memory, U64_MAX, U64_MAX)));
        fails(Errno.EOVERFLOW, () -> vmm.ioctl(iommufd, IommuIoasMap.of(0, 99, memory, U64_MAX, 0)));
        fails(Errno.EOVERFLOW, () -> vmm.ioctl(iommufd, IommuIoasMap.of(FIXED, 99, memory, PAGE, U64_MAX)));
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, IommuIoasMap.of(FIXED, 99, memory, 0, 0)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasMap.of(RW, 99, memory, 0, 0)));
        fails(Errno.EINVAL, () -> map(RW, memory, 0, 0));
        fails(Errno.EOVERFLOW, () -> map(RW | FIXED, memory, 2 * PAGE, -PAGE));
    }

    @Test
    void fixedMapsRefuseOverlapAndReservedRangesButNotTheAllowedList() {
        long memory = vmm.mmap(4 * PAGE);
        assertThat(map(RW | FIXED, memory, 2 * PAGE, 0x10000)).isEqualTo(0x10000);
        fails(Errno.EEXIST, () -> map(RW | FIXED, memory, 2 * PAGE, 0x11000));
        vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas, List.of(new IovaRange(0x100000, 0x1fffff))));
        assertThat(map(RW | FIXED, memory, PAGE, 0x40000)).isEqualTo(0x40000);
        attachDevice();
        fails(Errno.EINVAL, () -> map(RW | FIXED, memory, PAGE, MSI_WINDOW));
        fails(Errno.EINVAL, () -> map(RW | FIXED, memory, PAGE, 1L << 48));
        fails(Errno.EINVAL, () -> map(RW | FIXED, memory, PAGE, 0x41800));
    }

    @Test
    void automaticIovasStayInTheAllowedRangesAndKeepThePageOffset() {
        long memory = vmm.mmap(16 * PAGE);
        long first = map(RW, memory, PAGE, 0);
        assertThat(first).isNotZero();
        vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas, List.of(new IovaRange(0x200000, 0x203fff))));
        long inside = map(RW, memory + 0x10, 0x100, 0);
        assertThat(inside).isBetween(0x200000L, 0x203fffL);
        assertThat(inside & 0xfff).isEqualTo(0x10);
        map(RW, memory, 2 * PAGE, 0);
        fails(Errno.ENOSPC, () -> map(RW, memory, 4 * PAGE, 0));
        vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas, List.of()));
        assertThat(map(RW, memory, 4 * PAGE, 0)).isNotZero();
        fails(Errno.EOVERFLOW, () -> map(RW, memory, 1L << 63, 0));
    }

    @Test
    void unmapRemovesWholeAreasOnlyAndReportsTheBytes() {
        long memory = vmm.mmap(8 * PAGE);
        map(RW | FIXED, memory, 2 * PAGE, 0x10000);
        map(RW | FIXED, memory, 2 * PAGE, 0x20000);
        map(RW | FIXED, memory, 2 * PAGE, 0x30000);
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x10000, 0)));
        fails(Errno.EOVERFLOW, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, U64_MAX, PAGE)));
        fails(Errno.EOVERFLOW, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, -2 * PAGE, 4 * PAGE)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x11000, PAGE)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x50000, PAGE)));
        assertThat(vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x0, 0x20000)).length()).isEqualTo(2 * PAGE);
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x20000, 0x11000)));
        assertThat(vmm.ioctl(iommufd, IommuIoasUnmap.all(ioas)).length())
                .as("the area that fit before the one sticking out was already removed").isEqualTo(2 * PAGE);
        assertThat(vmm.ioctl(iommufd, IommuIoasUnmap.all(ioas)).length()).isZero();
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x10000, PAGE)));
    }

    @Test
    void copySharesTheSourcePagesAndFollowsMapRules() {
        int destination = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = vmm.mmap(8 * PAGE);
        map(RW | FIXED, memory, 4 * PAGE, 0x10000);
        map(IommuIoasMap.READABLE | FIXED, memory + 4 * PAGE, 4 * PAGE, 0x14000);
        fails(Errno.EOPNOTSUPP, () -> vmm.ioctl(iommufd, copy(RW | 8, destination, ioas, PAGE, 0, 0x10000)));
        fails(Errno.EOVERFLOW, () -> vmm.ioctl(iommufd, copy(RW, destination, ioas, U64_MAX, 0, 0x10000)));
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, copy(FIXED, destination, ioas, PAGE, 0, 0x10000)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, copy(RW, destination, 99, PAGE, 0, 0x10000)));
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, copy(RW, destination, ioas, 0, 0, 0x10000)));
        fails(Errno.EOVERFLOW, () -> vmm.ioctl(iommufd, copy(RW, destination, ioas, 2 * PAGE, 0, -PAGE)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, copy(RW, destination, ioas, 2 * PAGE, 0, 0x1f000)));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, copy(RW, 99, ioas, PAGE, 0, 0x10000)));
        fails(Errno.EPERM, () -> vmm.ioctl(iommufd, copy(RW | FIXED, destination, ioas, 2 * PAGE, 0x80000, 0x14000)));
        long spanning = vmm.ioctl(iommufd, copy(IommuIoasMap.READABLE | FIXED, destination, ioas, 4 * PAGE, 0x80000, 0x12000)).dstIova();
        assertThat(spanning).isEqualTo(0x80000);
        fails(Errno.EEXIST, () -> vmm.ioctl(iommufd, copy(RW | FIXED, destination, ioas, PAGE, 0x83000, 0x10000)));
        long same = vmm.ioctl(iommufd, copy(RW, ioas, ioas, PAGE, 0, 0x11000)).dstIova();
        assertThat(same).isNotIn(0x10000L, 0x11000L);
    }

    @Test
    void copyDoesNotChargeThePagesAgain() {
        TestProcess payer = TestProcess.spawn(host, new ProcessSpec("payer", 7000, Set.of(), 8 * PAGE));
        int payerIommufd = payer.open("/dev/iommu");
        int source = payer.ioctl(payerIommufd, IommuIoasAlloc.of()).outIoasId();
        int destination = payer.ioctl(payerIommufd, IommuIoasAlloc.of()).outIoasId();
        int device = payer.open("/dev/vfio/devices/vfio0");
        payer.ioctl(device, VfioDeviceBindIommufd.of(payerIommufd));
        payer.ioctl(device, VfioDeviceAttachIommufdPt.of(source));
        long memory = payer.mmap(6 * PAGE);
        long iova = payer.ioctl(payerIommufd, IommuIoasMap.of(RW, source, memory, 6 * PAGE, 0)).iova();
        payer.ioctl(payerIommufd, copy(RW, destination, source, 6 * PAGE, 0, iova));
        payer.ioctl(payerIommufd, copy(RW, source, source, 6 * PAGE, 0, iova));
        assertThat(host.lockedPagesByUser()).containsEntry(7000, 6L);
        fails(Errno.ENOMEM, () -> payer.ioctl(payerIommufd, IommuIoasMap.of(RW, source, memory, 6 * PAGE, 0)));
    }

    @Test
    void iovaRangesReportsTheHolesOfTheReservedRangesAndEmsgsizeWithWhatFits() {
        IommuIoasIovaRanges.Reply fresh = vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 4));
        assertThat(fresh.allowedIovas()).containsExactly(new IovaRange(0, U64_MAX));
        assertThat(fresh.numIovas()).isEqualTo(1);
        assertThat(fresh.outIovaAlignment()).isEqualTo(1);
        long memory = vmm.mmap(PAGE);
        map(RW | FIXED, memory, PAGE, 0x10000);
        vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas, List.of(new IovaRange(0x100000, 0x1fffff))));
        assertThat(vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 4)).allowedIovas()).containsExactly(new IovaRange(0, U64_MAX));
        attachDevice();
        IommuIoasIovaRanges.Reply attached = vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 2));
        assertThat(attached.allowedIovas()).containsExactly(new IovaRange(0, MSI_WINDOW - 1),
                new IovaRange(0xfef0_0000L, (1L << 48) - 1));
        assertThat(attached.outIovaAlignment()).isEqualTo(PAGE);
        KernelException tooSmall = catchThrowableOfType(KernelException.class,
                () -> vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 1)));
        assertThat(tooSmall.errno()).isEqualTo(Errno.EMSGSIZE);
        IommuIoasIovaRanges.Reply partial = (IommuIoasIovaRanges.Reply) tooSmall.partialReply();
        assertThat(partial.numIovas()).isEqualTo(2);
        assertThat(partial.allowedIovas()).containsExactly(new IovaRange(0, MSI_WINDOW - 1));
        assertThat(partial.outIovaAlignment()).isEqualTo(PAGE);
        KernelException empty = catchThrowableOfType(KernelException.class,
                () -> vmm.ioctl(iommufd, IommuIoasIovaRanges.of(ioas, 0)));
        assertThat(((IommuIoasIovaRanges.Reply) empty.partialReply()).allowedIovas()).isEmpty();
    }

    @Test
    void allowIovasValidatesEveryRangeAndReplacesTheListAtomically() {
        IovaRange good = new IovaRange(0x100000, 0x1fffff);
        vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas, List.of(good)));
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas,
                List.of(new IovaRange(0x300000, 0x3fffff), new IovaRange(0x500000, 0x500000)))));
        fails(Errno.EINVAL, () -> vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas,
                List.of(new IovaRange(0x300000, 0x3fffff), new IovaRange(0x380000, 0x4fffff)))));
        attachDevice();
        fails(Errno.EADDRINUSE, () -> vmm.ioctl(iommufd, IommuIoasAllowIovas.of(ioas,
                List.of(new IovaRange(0x300000, 0x3fffff), new IovaRange(0xfe00_0000L, 0xffff_ffffL)))));
        assertThat(host.inspect(() -> host.process(vmm.pid()).files().get(iommufd, IommufdFile.class, Errno.EBADFD)
                .context().objects().get(ioas, Ioas.class).iopt().allowedIovas())).containsExactly(good);
    }

    @Test
    void pinningUnmappedUserMemoryIsEfaultAtMapWithADomainAndAtAttachWithout() {
        long memory = vmm.mmap(4 * PAGE);
        vmm.munmap(memory + PAGE, PAGE);
        long iova = map(RW, memory, 4 * PAGE, 0);
        int device = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        fails(Errno.EFAULT, () -> vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas)));
        assertThat(vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId()).as("the failed auto HWPT freed its ID").isEqualTo(3);
        vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, iova, 4 * PAGE));
        vmm.ioctl(device, VfioDeviceAttachIommufdPt.of(ioas));
        fails(Errno.EFAULT, () -> map(RW, memory, 4 * PAGE, 0));
        fails(Errno.EFAULT, () -> map(RW, 0x1000, PAGE, 0));
        assertThat(map(RW, memory, PAGE, 0)).isNotZero();
    }

    @Test
    void aWriteableMapOfReadOnlyMemoryIsEperm() {
        long readOnly = vmm.mmap(2 * PAGE, AddressSpace.PROT_READ);
        fails(Errno.EPERM, () -> map(RW, readOnly, 2 * PAGE, 0));
        assertThat(map(IommuIoasMap.READABLE, readOnly, 2 * PAGE, 0)).isNotZero();
        attachDevice();
        fails(Errno.EPERM, () -> map(IommuIoasMap.WRITEABLE, readOnly, 2 * PAGE, 0));
    }

    @Test
    void destroyingAnIoasUnmapsItsAreasAndReturnsTheirPins() {
        TestProcess payer = TestProcess.spawn(host, new ProcessSpec("payer", 8000, Set.of(), 8 * PAGE));
        int payerIommufd = payer.open("/dev/iommu");
        int first = payer.ioctl(payerIommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = payer.mmap(4 * PAGE);
        payer.ioctl(payerIommufd, IommuIoasMap.of(RW, first, memory, 4 * PAGE, 0));
        int device = payer.open("/dev/vfio/devices/vfio0");
        payer.ioctl(device, VfioDeviceBindIommufd.of(payerIommufd));
        payer.ioctl(device, VfioDeviceAttachIommufdPt.of(first));
        assertThat(host.lockedPagesByUser()).containsEntry(8000, 4L);
        payer.close(device);
        assertThat(host.lockedPagesByUser()).containsEntry(8000, 0L);
        payer.ioctl(payerIommufd, IommuDestroy.of(first));
        fails(Errno.ENOENT, () -> payer.ioctl(payerIommufd, IommuIoasUnmap.all(first)));
    }
}
