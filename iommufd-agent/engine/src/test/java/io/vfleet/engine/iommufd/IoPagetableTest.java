package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.vfleet.engine.iommufd.IoPagetable.FIXED_IOVA;
import static io.vfleet.engine.iommufd.IoPagetable.READABLE;
import static io.vfleet.engine.iommufd.IoPagetable.WRITEABLE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class IoPagetableTest {
    private static final long PAGE = 4096;
    private static final long MIB = 1 << 20;
    private static final int READ_WRITE = READABLE | WRITEABLE;

    private final FakeUserMemory memory = new FakeUserMemory().map(0x10_0000_0000L, 1L << 32, true);
    private final CountingPinAccount account = CountingPinAccount.unlimited();
    private final IoPagetable table = new IoPagetable();

    private IoptPages pages(long userVa, long length) {
        return new IoptPages(memory, userVa, length, account);
    }

    private long mapFixed(long iova, long length) {
        return table.map(pages(0x10_0000_0000L + iova % (1L << 31), length), iova, FIXED_IOVA | READ_WRITE);
    }

    private static Errno errnoOf(Runnable call) {
        KernelException failure = catchThrowableOfType(KernelException.class, call::run);
        assertThat(failure).as("expected a KernelException").isNotNull();
        return failure.errno();
    }

    private static IommuDomain domain() {
        return new IommuDomain(IovaRange.ALL, PAGE | 2 * MIB, true);
    }

    @Test
    void fixedMapIntoAnOccupiedIovaIsEexist() {
        mapFixed(0x10000, 2 * PAGE);
        assertThat(errnoOf(() -> mapFixed(0x11000, 2 * PAGE))).isEqualTo(Errno.EEXIST);
        assertThat(table.areaCount()).isEqualTo(1);
    }

    @Test
    void fixedMapIntersectingAReservedRangeIsEinvalEvenWhenTheAreaIsFree() {
        table.reserve(new IovaRange(0xFEE00000L, 0xFEEFFFFFL), "device");
        assertThat(errnoOf(() -> mapFixed(0xFED00000L, 2 * MIB))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void fixedMapIsNotRestrictedByAllowedRanges() {
        table.setAllowedIovas(List.of(new IovaRange(0x100000, 0x1FFFFF)));
        assertThat(mapFixed(0x800000, PAGE)).isEqualTo(0x800000);
    }

    @Test
    void fixedMapRunningPastTheTopOfTheAddressSpaceIsEoverflow() {
        assertThat(errnoOf(() -> mapFixed(-PAGE, 2 * PAGE))).isEqualTo(Errno.EOVERFLOW);
    }

    @Test
    void fixedMapNotAlignedToTheTableAlignmentIsEinval() {
        table.setHugePages(false);
        assertThat(table.iovaAlignment()).isEqualTo(PAGE);
        assertThat(errnoOf(() -> mapFixed(0x10800, PAGE))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> mapFixed(0x10000, PAGE / 2))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> table.map(pages(0x10_0000_0800L, PAGE), 0x10000, FIXED_IOVA | READ_WRITE)))
                .as("user_va page offset").isEqualTo(Errno.EINVAL);
    }

    @Test
    void pagesOfZeroOrHugeLengthAreEinvalAndWrappingUserVaIsEoverflow() {
        assertThat(errnoOf(() -> pages(0x1000, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> pages(0x1000, -PAGE))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> pages(-PAGE, 2 * PAGE))).isEqualTo(Errno.EOVERFLOW);
    }

    @Test
    void writeableMapOfReadOnlyMemoryIsEperm() {
        memory.map(0x1000_0000L, MIB, false);
        assertThat(errnoOf(() -> table.map(pages(0x1000_0000L, PAGE), 0x10000, FIXED_IOVA | READ_WRITE)))
                .isEqualTo(Errno.EPERM);
        assertThat(table.map(pages(0x1000_0000L, PAGE), 0x10000, FIXED_IOVA | READABLE)).isEqualTo(0x10000);
    }

    @Test
    void unmapRemovesFullyContainedAreasAcrossHolesAndReturnsTheirBytes() {
        mapFixed(0x10000, PAGE);
        mapFixed(0x20000, 2 * PAGE);
        mapFixed(0x40000, 4 * PAGE);
        assertThat(table.unmap(0x10000, 0x30000)).isEqualTo(3 * PAGE);
        assertThat(table.areas()).extracting(IoptArea::iova).containsExactly(0x40000L);
    }

    @Test
    void unmapOfARangeWithNothingMappedIsEnoent() {
        mapFixed(0x10000, PAGE);
        assertThat(errnoOf(() -> table.unmap(0x20000, PAGE))).isEqualTo(Errno.ENOENT);
    }

    @Test
    void unmapNeverSplitsAnArea() {
        mapFixed(0x10000, 4 * PAGE);
        assertThat(errnoOf(() -> table.unmap(0x11000, PAGE))).isEqualTo(Errno.ENOENT);
        assertThat(table.areaCount()).isEqualTo(1);
    }

    @Test
    void unmapOfAnAreaStickingOutPastTheEndHasAlreadyRemovedTheAreasBeforeIt() {
        mapFixed(0x10000, PAGE);
        mapFixed(0x20000, PAGE);
        mapFixed(0x30000, 4 * PAGE);
        assertThat(errnoOf(() -> table.unmap(0x10000, 0x21000))).isEqualTo(Errno.ENOENT);
        assertThat(table.areas()).extracting(IoptArea::iova).containsExactly(0x30000L);
    }

    @Test
    void unmapOfAnAreaStickingOutBeforeTheStartFailsFirstWithNothingRemoved() {
        mapFixed(0x10000, 4 * PAGE);
        mapFixed(0x20000, PAGE);
        assertThat(errnoOf(() -> table.unmap(0x11000, 0x20000))).isEqualTo(Errno.ENOENT);
        assertThat(table.areaCount()).isEqualTo(2);
    }

    @Test
    void unmapOfLengthZeroIsEinvalAndOfAWrappingRangeIsEoverflow() {
        assertThat(errnoOf(() -> table.unmap(0x10000, 0))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> table.unmap(-PAGE, 2 * PAGE))).isEqualTo(Errno.EOVERFLOW);
    }

    @Test
    void unmapAllOfAnEmptyTableSucceedsWithZeroBytes() {
        assertThat(table.unmapAll()).isZero();
    }

    @Test
    void unmapAllRemovesEveryAreaAndReturnsTheirBytes() {
        mapFixed(0x10000, PAGE);
        mapFixed(-2 * PAGE, PAGE);
        assertThat(table.unmapAll()).isEqualTo(2 * PAGE);
        assertThat(table.areaCount()).isZero();
    }

    @Test
    void copyOfASubRangeSharesTheSourcePages() {
        mapFixed(0x10000, 4 * PAGE);
        IoPagetable destination = new IoPagetable();
        long iova = destination.copy(table, 0x11000, 2 * PAGE, 0x80000, FIXED_IOVA | READABLE);
        IoptArea copied = destination.areas().getFirst();
        assertThat(iova).isEqualTo(0x80000);
        assertThat(copied.pages()).isSameAs(table.areas().getFirst().pages());
        assertThat(copied.userVa()).isEqualTo(table.areas().getFirst().userVa() + PAGE);
        assertThat(copied.length()).isEqualTo(2 * PAGE);
    }

    @Test
    void copyAcrossAdjacentAreasMakesOneAreaPerSourceArea() {
        mapFixed(0x10000, 2 * PAGE);
        mapFixed(0x12000, 2 * PAGE);
        long iova = table.copy(table, 0x11000, 2 * PAGE, 0, READ_WRITE);
        assertThat(table.areas()).filteredOn(area -> area.iova() >= iova && area.last() <= iova + 2 * PAGE - 1)
                .extracting(IoptArea::length).containsExactly(PAGE, PAGE);
        assertThat(table.unmap(iova, 2 * PAGE)).isEqualTo(2 * PAGE);
    }

    @Test
    void copyOfARangeNotCoveredByContiguousAreasIsEnoent() {
        mapFixed(0x10000, PAGE);
        mapFixed(0x12000, PAGE);
        assertThat(errnoOf(() -> table.copy(table, 0x10000, 3 * PAGE, 0, READ_WRITE))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> table.copy(table, 0x10000, 0, 0, READ_WRITE))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> table.copy(table, -PAGE, 2 * PAGE, 0, READ_WRITE))).isEqualTo(Errno.EOVERFLOW);
    }

    @Test
    void writeableCopyOfPagesMappedReadOnlyIsEperm() {
        table.map(pages(0x10_0000_0000L, PAGE), 0x10000, FIXED_IOVA | READABLE);
        assertThat(errnoOf(() -> table.copy(table, 0x10000, PAGE, 0, READ_WRITE))).isEqualTo(Errno.EPERM);
        assertThat(table.areaCount()).isEqualTo(1);
    }

    @Test
    void copyIntoAnOccupiedIovaIsEexist() {
        mapFixed(0x10000, PAGE);
        mapFixed(0x20000, PAGE);
        assertThat(errnoOf(() -> table.copy(table, 0x10000, PAGE, 0x20000, FIXED_IOVA | READABLE)))
                .isEqualTo(Errno.EEXIST);
    }

    @Test
    void iovaRangesOfAFreshTableIsTheWholeSpaceWithAlignmentOne() {
        assertThat(table.iovaRanges()).containsExactly(IovaRange.ALL);
        assertThat(table.iovaAlignment()).isEqualTo(1);
    }

    @Test
    void iovaRangesAreTheHolesOfTheReservedRanges() {
        table.reserve(new IovaRange(0xFEE00000L, 0xFEEFFFFFL), "device");
        table.reserve(new IovaRange(0xFEF00000L, 0xFEFFFFFFL), "other device");
        table.reserve(new IovaRange(1L << 48, -1L), "domain");
        mapFixed(0x10000, PAGE);
        assertThat(table.iovaRanges()).containsExactly(
                new IovaRange(0, 0xFEDFFFFFL), new IovaRange(0xFF000000L, (1L << 48) - 1));
        table.removeReservations("domain");
        assertThat(table.iovaRanges()).last().isEqualTo(new IovaRange(0xFF000000L, -1L));
    }

    @Test
    void reservingOverAnAreaOrAnAllowedRangeIsEaddrinuse() {
        mapFixed(0x10000, PAGE);
        table.setAllowedIovas(List.of(new IovaRange(0x100000, 0x1FFFFF)));
        assertThat(errnoOf(() -> table.reserve(new IovaRange(0x10FFF, 0x10FFF), "device"))).isEqualTo(Errno.EADDRINUSE);
        assertThat(errnoOf(() -> table.reserve(new IovaRange(0x1FF000, 0x200FFF), "device"))).isEqualTo(Errno.EADDRINUSE);
        assertThat(table.iovaRanges()).containsExactly(IovaRange.ALL);
    }

    @Test
    void allowedRangesNeedStartBelowLastAndNoOverlap() {
        assertThat(errnoOf(() -> table.setAllowedIovas(List.of(new IovaRange(0x1000, 0x1000))))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> table.setAllowedIovas(List.of(
                new IovaRange(0x1000, 0x2FFF), new IovaRange(0x2000, 0x4FFF))))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void allowedRangeOverAReservedRangeIsEaddrinuseAndKeepsTheOldList() {
        List<IovaRange> old = List.of(new IovaRange(0x100000, 0x1FFFFF));
        table.setAllowedIovas(old);
        table.reserve(new IovaRange(0xFEE00000L, 0xFEEFFFFFL), "device");
        assertThat(errnoOf(() -> table.setAllowedIovas(List.of(new IovaRange(0xF0000000L, 0xFFFFFFFFL)))))
                .isEqualTo(Errno.EADDRINUSE);
        assertThat(table.allowedIovas()).isEqualTo(old);
        table.setAllowedIovas(List.of());
        assertThat(table.allowedIovas()).isEmpty();
    }

    @Test
    void automaticIovaStaysInsideTheAllowedRanges() {
        table.setAllowedIovas(List.of(new IovaRange(0x400000, 0x401FFF), new IovaRange(0x100000, 0x100FFF)));
        assertThat(table.map(pages(0x10_0000_0000L, PAGE), 0, READ_WRITE)).isEqualTo(0x100000);
        assertThat(table.map(pages(0x10_0000_1000L, PAGE), 0, READ_WRITE)).isEqualTo(0x400000);
        assertThat(table.map(pages(0x10_0000_2000L, PAGE), 0, READ_WRITE)).isEqualTo(0x401000);
        assertThat(errnoOf(() -> table.map(pages(0x10_0000_3000L, PAGE), 0, READ_WRITE))).isEqualTo(Errno.ENOSPC);
    }

    @Test
    void automaticIovaIsTheLowestAlignedHoleAvoidingAreasAndReservedRangesAndNeverZero() {
        mapFixed(PAGE, PAGE);
        table.reserve(new IovaRange(0x2000, 0x3FFF), "device");
        assertThat(table.map(pages(0x10_0000_0000L, PAGE), 0, READ_WRITE)).isEqualTo(0x4000);
        assertThat(table.map(pages(0x10_0000_0000L, 4 * PAGE), 0, READ_WRITE))
                .as("aligned to the length rounded up to a power of two").isEqualTo(0x8000);
        assertThat(table.map(pages(0x10_0000_0000L, PAGE), 0, READ_WRITE)).isEqualTo(0x5000);
    }

    @Test
    void automaticIovaKeepsTheUserVaOffsetAndItsAlignment() {
        assertThat(table.map(pages(0x10_0000_0123L, 0x100), 0, READ_WRITE)).isEqualTo(0x1123);
        assertThat(table.map(pages(0x10_0020_0000L, 8 * MIB), 0, READ_WRITE))
                .as("alignment capped at the 2 MiB huge page").isEqualTo(2 * MIB);
        assertThat(table.map(pages(0x10_0000_3000L, 4 * PAGE), 0, READ_WRITE))
                .as("aligned to the user VA's lowest set bit, not to the length").isEqualTo(0x2000);
    }

    @Test
    void automaticIovaWithAnAlignmentBelowTheTableAlignmentIsEinval() {
        table.setHugePages(false);
        assertThat(errnoOf(() -> table.map(pages(0x10_0000_0800L, 2 * PAGE), 0, READ_WRITE))).isEqualTo(Errno.EINVAL);
    }

    @Test
    void automaticIovaForHalfTheAddressSpaceIsEoverflowAndForTooMuchIsEnospc() {
        FakeUserMemory anywhere = new FakeUserMemory();
        assertThat(errnoOf(() -> table.map(new IoptPages(anywhere, 0, -1L >>> 1, account), 0, READ_WRITE)))
                .isEqualTo(Errno.EOVERFLOW);
        table.reserve(new IovaRange(1L << 40, -1L), "domain");
        assertThat(errnoOf(() -> table.map(new IoptPages(anywhere, 0, 1L << 41, account), 0, READ_WRITE)))
                .isEqualTo(Errno.ENOSPC);
    }

    @Test
    void addingTheFirstDomainPinsEveryAreaOnceAndChargesTheMapper() {
        mapFixed(0x10000, 4 * PAGE);
        table.copy(table, 0x10000, 4 * PAGE, 0x20000, FIXED_IOVA | READABLE);
        assertThat(account.charged()).isZero();
        table.addDomain(domain());
        table.addDomain(domain());
        assertThat(account.charged()).isEqualTo(4);
        assertThat(table.pinnedPages()).isEqualTo(4);
    }

    @Test
    void mapIntoATableWithADomainPinsNowAndNotWithout() {
        mapFixed(0x10000, 2 * PAGE);
        assertThat(account.charged()).isZero();
        table.addDomain(domain());
        mapFixed(0x20000, 3 * PAGE);
        assertThat(account.charged()).isEqualTo(5);
    }

    @Test
    void mapOverTheMemlockLimitIsEnomemAndLeavesNoArea() {
        CountingPinAccount small = new CountingPinAccount(2);
        table.addDomain(domain());
        assertThat(errnoOf(() -> table.map(new IoptPages(memory, 0x10_0000_0000L, 3 * PAGE, small), 0, READ_WRITE)))
                .isEqualTo(Errno.ENOMEM);
        assertThat(table.areaCount()).isZero();
        assertThat(small.charged()).isZero();
    }

    @Test
    void mapOfUnmappedMemoryIsEfaultOnlyOnceADomainPinsIt() {
        assertThat(table.map(pages(0x9000_0000L, PAGE), 0x10000, FIXED_IOVA | READ_WRITE)).isEqualTo(0x10000);
        table.unmapAll();
        table.addDomain(domain());
        assertThat(errnoOf(() -> table.map(pages(0x9000_0000L, PAGE), 0x10000, FIXED_IOVA | READ_WRITE)))
                .isEqualTo(Errno.EFAULT);
        assertThat(table.areaCount()).isZero();
    }

    @Test
    void addDomainOverUnmappedMemoryIsEfaultAndAllOrNothing() {
        mapFixed(0x10000, 2 * PAGE);
        table.map(pages(0x9000_0000L, PAGE), 0x20000, FIXED_IOVA | READ_WRITE);
        IommuDomain domain = new IommuDomain(new IovaRange(0x1000, 0xFFFFFFFFL), PAGE, true);
        assertThat(errnoOf(() -> table.addDomain(domain))).isEqualTo(Errno.EFAULT);
        assertThat(account.charged()).isZero();
        assertThat(table.domains()).isEmpty();
        assertThat(table.iovaRanges()).containsExactly(IovaRange.ALL);
        assertThat(table.iovaAlignment()).isEqualTo(1);
    }

    @Test
    void addDomainOverTheMemlockLimitIsEnomemAndChargesNothing() {
        CountingPinAccount small = new CountingPinAccount(3);
        table.map(new IoptPages(memory, 0x10_0000_0000L, 2 * PAGE, small), 0x10000, FIXED_IOVA | READ_WRITE);
        table.map(new IoptPages(memory, 0x10_0001_0000L, 2 * PAGE, small), 0x20000, FIXED_IOVA | READ_WRITE);
        assertThat(errnoOf(() -> table.addDomain(domain()))).isEqualTo(Errno.ENOMEM);
        assertThat(small.charged()).isZero();
        assertThat(table.domains()).isEmpty();
    }

    @Test
    void addDomainWithAnAreaOutsideItsApertureIsEaddrinuse() {
        mapFixed(1L << 40, PAGE);
        assertThat(errnoOf(() -> table.addDomain(new IommuDomain(new IovaRange(0, (1L << 39) - 1), PAGE, true))))
                .isEqualTo(Errno.EADDRINUSE);
        assertThat(table.iovaRanges()).containsExactly(IovaRange.ALL);
    }

    @Test
    void addDomainWhoseApertureCutsAnAllowedRangeIsEaddrinuse() {
        table.setAllowedIovas(List.of(new IovaRange(0, 0xFFFF)));
        assertThat(errnoOf(() -> table.addDomain(new IommuDomain(new IovaRange(0x8000, -1L), PAGE, true))))
                .isEqualTo(Errno.EADDRINUSE);
    }

    @Test
    void addDomainWithPagesAbovePageSizeIsEinvalAndWithUnalignedAreasIsEaddrinuse() {
        assertThat(errnoOf(() -> table.addDomain(new IommuDomain(IovaRange.ALL, 2 * MIB, true)))).isEqualTo(Errno.EINVAL);
        table.map(pages(0x10_0000_0000L, 0x800), 0x10000, FIXED_IOVA | READ_WRITE);
        assertThat(errnoOf(() -> table.addDomain(domain()))).isEqualTo(Errno.EADDRINUSE);
    }

    @Test
    void addDomainNarrowsIovaRangesAndRaisesTheAlignmentAndRemovingItRelaxesThem() {
        IommuDomain domain = new IommuDomain(new IovaRange(0, (1L << 48) - 1), PAGE, true);
        table.addDomain(domain);
        assertThat(table.iovaRanges()).containsExactly(new IovaRange(0, (1L << 48) - 1));
        assertThat(table.iovaAlignment()).isEqualTo(PAGE);
        assertThat(errnoOf(() -> table.addDomain(domain))).isEqualTo(Errno.EEXIST);
        table.removeDomain(domain);
        assertThat(table.iovaRanges()).containsExactly(IovaRange.ALL);
        assertThat(table.iovaAlignment()).isEqualTo(1);
    }

    @Test
    void removingTheLastDomainUnpinsWhatNoAccessHolds() {
        mapFixed(0x10000, 2 * PAGE);
        mapFixed(0x20000, 3 * PAGE);
        IommuDomain first = domain();
        IommuDomain second = domain();
        table.addDomain(first);
        table.addDomain(second);
        new RecordingAccess().attachTo(table).pin(0x20000, PAGE, true);
        table.removeDomain(first);
        assertThat(account.charged()).isEqualTo(5);
        table.removeDomain(second);
        assertThat(account.charged()).isEqualTo(3);
        assertThat(table.pinnedPages()).isEqualTo(3);
    }

    @Test
    void attachingAnAccessNeedsPageAlignedAreas() {
        table.map(pages(0x10_0000_0000L, 0x800), 0x10000, FIXED_IOVA | READ_WRITE);
        assertThat(errnoOf(() -> new RecordingAccess().attachTo(table))).isEqualTo(Errno.EADDRINUSE);
        assertThat(table.iovaAlignment()).isEqualTo(1);
    }

    @Test
    void accessPinsChargeOnceAndUnpinsUncharge() {
        mapFixed(0x10000, 4 * PAGE);
        RecordingAccess access = new RecordingAccess().attachTo(table);
        table.pinPages(access, 0x10000, PAGE, false);
        table.pinPages(access, 0x11000, PAGE, true);
        assertThat(account.charged()).isEqualTo(4);
        table.unpinPages(access, 0x10000, PAGE);
        assertThat(account.charged()).isEqualTo(4);
        table.unpinPages(access, 0x11000, PAGE);
        assertThat(account.charged()).isZero();
    }

    @Test
    void accessPinRulesAndErrnos() {
        mapFixed(0x10000, PAGE);
        mapFixed(0x11000, PAGE);
        table.map(pages(0x10_0010_0000L, PAGE), 0x20000, FIXED_IOVA | READABLE);
        RecordingAccess stranger = new RecordingAccess();
        RecordingAccess access = new RecordingAccess().attachTo(table);
        assertThat(errnoOf(() -> table.pinPages(stranger, 0x10000, PAGE, false))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> table.pinPages(access, 0x10000, 0, false))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> table.pinPages(access, -PAGE, 2 * PAGE, false))).isEqualTo(Errno.EOVERFLOW);
        assertThat(errnoOf(() -> table.pinPages(access, 0x10000, 3 * PAGE, false))).isEqualTo(Errno.ENOENT);
        assertThat(errnoOf(() -> table.pinPages(access, 0x20000, PAGE, true))).isEqualTo(Errno.EPERM);
        assertThat(account.charged()).as("failed pins leave nothing behind").isZero();
        table.pinPages(access, 0x10000, 2 * PAGE, true);
        assertThat(account.charged()).isEqualTo(2);
    }

    @Test
    void unmapOfAnAreaPinnedByAnAccessNotifiesItAndSucceedsOnceItUnpins() {
        mapFixed(0x10000, 4 * PAGE);
        RecordingAccess access = new RecordingAccess().attachTo(table);
        access.pin(0x11000, PAGE, true);
        assertThat(table.unmap(0x10000, 4 * PAGE)).isEqualTo(4 * PAGE);
        assertThat(access.notifications).containsExactly(new IovaRange(0x10000, 0x13FFF));
        assertThat(account.charged()).isZero();
    }

    @Test
    void unmapOfAnAreaWhoseAccessKeepsItsPinsIsEdeadlkAndBlocksNewPins() {
        mapFixed(0x10000, 4 * PAGE);
        RecordingAccess access = new RecordingAccess().attachTo(table).refusingToUnpin();
        access.pin(0x11000, PAGE, true);
        assertThat(errnoOf(() -> table.unmap(0x10000, 4 * PAGE))).isEqualTo(Errno.EDEADLK);
        assertThat(access.notifications).hasSize(100);
        assertThat(table.areaCount()).isEqualTo(1);
        assertThat(errnoOf(() -> table.pinPages(access, 0x10000, PAGE, false))).isEqualTo(Errno.EINVAL);
        assertThat(errnoOf(() -> table.unmapAll())).isEqualTo(Errno.EDEADLK);
    }

    @Test
    void removingAnAccessNotifiesItOfTheWholeSpaceFirst() {
        mapFixed(0x10000, PAGE);
        RecordingAccess access = new RecordingAccess().attachTo(table);
        access.pin(0x10000, PAGE, false);
        table.removeAccess(access);
        assertThat(access.notifications).containsExactly(IovaRange.ALL);
        assertThat(account.charged()).isZero();
        assertThat(table.iovaAlignment()).isEqualTo(1);
        table.removeAccess(access);
    }

    @Test
    void disablingHugePagesWithDomainsAndAreasIsEinval() {
        table.addDomain(domain());
        table.setHugePages(false);
        table.setHugePages(true);
        mapFixed(0x10000, PAGE);
        assertThat(errnoOf(() -> table.setHugePages(false))).isEqualTo(Errno.EINVAL);
        assertThat(table.hugePages()).isTrue();
    }

    @Test
    void disablingHugePagesWithAnAreaNotPageAlignedIsEaddrinuseAndKeepsThemEnabled() {
        table.map(pages(0x10_0000_0000L, 0x800), 0x10000, FIXED_IOVA | READ_WRITE);
        assertThat(errnoOf(() -> table.setHugePages(false))).isEqualTo(Errno.EADDRINUSE);
        assertThat(table.hugePages()).isTrue();
        assertThat(table.iovaAlignment()).isEqualTo(1);
    }

    @Test
    void disablingHugePagesRaisesTheAlignmentToPageSizeAndEnablingRelaxesIt() {
        mapFixed(0x10000, PAGE);
        table.setHugePages(false);
        assertThat(table.hugePages()).isFalse();
        assertThat(table.iovaAlignment()).isEqualTo(PAGE);
        table.setHugePages(true);
        assertThat(table.iovaAlignment()).isEqualTo(1);
    }
}
