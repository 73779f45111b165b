package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static io.vfleet.engine.iommufd.IoPagetable.FIXED_IOVA;
import static io.vfleet.engine.iommufd.IoPagetable.READABLE;
import static io.vfleet.engine.iommufd.IoPagetable.WRITEABLE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Random sequences of MAP, COPY, UNMAP and unmap-all against a list model that does everything the
 * slow way: linear scans for overlap, for covering areas and for the lowest fitting hole.
 */
class IoPagetablePropertiesTest {
    private static final long PAGE = 4096;
    private static final long USER_BASE = 0x7F00_0000_0000L;
    private static final IovaRange RESERVED = new IovaRange(20 * PAGE, 23 * PAGE - 1);

    enum Kind { MAP_AUTO, MAP_FIXED, COPY, UNMAP, UNMAP_ALL }

    record Operation(Kind kind, long iova, long length, long userOffset) {
    }

    /** One area as the model sees it: its range and where it points in user memory. */
    record ModelArea(long iova, long last, long userVa, IoptPages pages) {
        long length() {
            return last - iova + 1;
        }
    }

    @Provide
    Arbitrary<List<Operation>> operations() {
        return operation().list().ofMinSize(1).ofMaxSize(60);
    }

    @Provide
    Arbitrary<List<Operation>> longOperations() {
        return operation().list().ofMinSize(200).ofMaxSize(600);
    }

    private static Arbitrary<Operation> operation() {
        Arbitrary<Operation> operation = Combinators.combine(
                Arbitraries.frequencyOf(
                        net.jqwik.api.Tuple.of(4, Arbitraries.just(Kind.MAP_AUTO)),
                        net.jqwik.api.Tuple.of(3, Arbitraries.just(Kind.MAP_FIXED)),
                        net.jqwik.api.Tuple.of(2, Arbitraries.just(Kind.COPY)),
                        net.jqwik.api.Tuple.of(4, Arbitraries.just(Kind.UNMAP)),
                        net.jqwik.api.Tuple.of(1, Arbitraries.just(Kind.UNMAP_ALL))),
                Arbitraries.longs().between(0, 63).map(page -> page * PAGE),
                Arbitraries.longs().between(1, 12).map(pages -> pages * PAGE),
                Arbitraries.of(0L, 0L, 0L, PAGE, 3 * PAGE, 0x10_0000L))
                .as(Operation::new);
        return operation;
    }

    @Provide
    Arbitrary<List<IovaRange>> allowedRanges() {
        return Arbitraries.of(
                List.of(),
                List.of(),
                List.of(new IovaRange(PAGE, 19 * PAGE - 1), new IovaRange(40 * PAGE, 200 * PAGE - 1)),
                List.of(new IovaRange(30 * PAGE, 31 * PAGE - 1), new IovaRange(31 * PAGE, 90 * PAGE - 1)));
    }

    @Property(tries = 600)
    void randomOperationsAgreeWithAListModel(@ForAll("operations") List<Operation> operations,
                                             @ForAll boolean withDomain,
                                             @ForAll("allowedRanges") List<IovaRange> allowed) {
        runAgainstModel(operations, withDomain, allowed);
    }

    /** Long runs rebalance the tree many times over; its hole summaries must stay right. */
    @Property(tries = 40)
    void longRandomRunsAgreeWithAListModel(@ForAll("longOperations") List<Operation> operations,
                                           @ForAll boolean withDomain,
                                           @ForAll("allowedRanges") List<IovaRange> allowed) {
        runAgainstModel(operations, withDomain, allowed);
    }

    private static void runAgainstModel(List<Operation> operations, boolean withDomain, List<IovaRange> allowed) {
        CountingPinAccount account = CountingPinAccount.unlimited();
        IoPagetable table = new IoPagetable();
        table.reserve(RESERVED, "device");
        table.setAllowedIovas(allowed);
        IommuDomain domain = new IommuDomain(IovaRange.ALL, PAGE, true);
        if (withDomain) {
            table.addDomain(domain);
        }
        List<ModelArea> model = new ArrayList<>();
        for (Operation operation : operations) {
            apply(table, model, operation, account, allowed);
            assertThat(table.areas()).extracting(IoptArea::iova).containsExactlyElementsOf(model.stream().map(ModelArea::iova).toList());
            assertThat(table.areas()).extracting(IoptArea::last).containsExactlyElementsOf(model.stream().map(ModelArea::last).toList());
            assertThat(table.areas()).extracting(IoptArea::userVa).containsExactlyElementsOf(model.stream().map(ModelArea::userVa).toList());
            for (int index = 1; index < model.size(); index++) {
                assertThat(Long.compareUnsigned(model.get(index - 1).last(), model.get(index).iova())).isNegative();
            }
            for (ModelArea area : model) {
                assertThat(RESERVED.intersects(new IovaRange(area.iova(), area.last()))).isFalse();
            }
            long distinctPages = model.stream().map(ModelArea::pages).distinct().mapToLong(IoptPages::pageCount).sum();
            assertThat(account.charged()).isEqualTo(withDomain ? distinctPages : 0);
        }
        table.unmapAll();
        if (withDomain) {
            table.removeDomain(domain);
        }
        assertThat(account.charged()).isZero();
        assertThat(table.pinnedPages()).isZero();
        assertThat(table.areaCount()).isZero();
    }

    private static void apply(IoPagetable table, List<ModelArea> model, Operation operation,
                              CountingPinAccount account, List<IovaRange> allowed) {
        switch (operation.kind()) {
            case MAP_AUTO -> {
                long userVa = USER_BASE + operation.iova() + operation.userOffset();
                IoptPages pages = new IoptPages(UserMemory.READ_WRITE_EVERYWHERE, userVa, operation.length(), account);
                long expected = lowestFit(model, allowed, userVa, operation.length());
                Errno errno = errnoOf(() -> {
                    long iova = table.map(pages, 0, READABLE | WRITEABLE);
                    assertThat(iova).isEqualTo(expected);
                    assertThat(iova & (alignmentFor(userVa, operation.length()) - 1)).isEqualTo(userVa & (PAGE - 1));
                    assertThat(allowed.isEmpty() || mergedAdjacent(allowed).stream().anyMatch(range -> range.contains(IovaRange.ofLength(iova, operation.length())))).isTrue();
                });
                if (errno == null) {
                    insert(model, new ModelArea(expected, expected + operation.length() - 1, userVa, pages));
                } else {
                    assertThat(errno).isEqualTo(Errno.ENOSPC);
                    assertThat(expected).isZero();
                }
            }
            case MAP_FIXED -> {
                long userVa = USER_BASE + operation.userOffset();
                IoptPages pages = new IoptPages(UserMemory.READ_WRITE_EVERYWHERE, userVa, operation.length(), account);
                IovaRange range = IovaRange.ofLength(operation.iova(), operation.length());
                Errno expected = RESERVED.intersects(range) ? Errno.EINVAL : overlaps(model, range) ? Errno.EEXIST : null;
                assertThat(errnoOf(() -> table.map(pages, operation.iova(), FIXED_IOVA | READABLE))).isEqualTo(expected);
                if (expected == null) {
                    insert(model, new ModelArea(range.start(), range.last(), userVa, pages));
                }
            }
            case COPY -> {
                IovaRange source = IovaRange.ofLength(operation.iova(), operation.length());
                List<ModelArea> covering = covering(model, source);
                if (covering == null) {
                    assertThat(errnoOf(() -> table.copy(table, source.start(), source.length(), 0, READABLE))).isEqualTo(Errno.ENOENT);
                    return;
                }
                long userVa = covering.getFirst().userVa() + (source.start() - covering.getFirst().iova());
                long expected = lowestFit(model, allowed, userVa, source.length());
                Errno errno = errnoOf(() -> assertThat(table.copy(table, source.start(), source.length(), 0, READABLE)).isEqualTo(expected));
                if (errno != null) {
                    assertThat(errno).isEqualTo(Errno.ENOSPC);
                    return;
                }
                long next = expected;
                for (ModelArea area : covering) {
                    long first = Math.max(area.iova(), source.start());
                    long last = Math.min(area.last(), source.last());
                    insert(model, new ModelArea(next, next + last - first, area.userVa() + (first - area.iova()), area.pages()));
                    next += last - first + 1;
                }
            }
            case UNMAP -> {
                IovaRange range = IovaRange.ofLength(operation.iova(), operation.length() * 2);
                long removed = 0;
                Errno expected = null;
                for (ModelArea area : List.copyOf(model)) {
                    if (!range.intersects(new IovaRange(area.iova(), area.last()))) {
                        continue;
                    }
                    if (!range.contains(new IovaRange(area.iova(), area.last()))) {
                        expected = Errno.ENOENT;
                        break;
                    }
                    model.remove(area);
                    removed += area.length();
                }
                if (expected == null && removed == 0) {
                    expected = Errno.ENOENT;
                }
                long unmapped = removed;
                assertThat(errnoOf(() -> assertThat(table.unmap(range.start(), range.length())).isEqualTo(unmapped))).isEqualTo(expected);
            }
            case UNMAP_ALL -> {
                long total = model.stream().mapToLong(ModelArea::length).sum();
                assertThat(table.unmapAll()).isEqualTo(total);
                model.clear();
            }
        }
    }

    private static Errno errnoOf(Runnable call) {
        try {
            call.run();
            return null;
        } catch (KernelException failure) {
            return failure.errno();
        }
    }

    private static void insert(List<ModelArea> model, ModelArea area) {
        model.add(area);
        model.sort(Comparator.comparingLong(ModelArea::iova));
    }

    private static boolean overlaps(List<ModelArea> model, IovaRange range) {
        return model.stream().anyMatch(area -> range.intersects(new IovaRange(area.iova(), area.last())));
    }

    private static List<ModelArea> covering(List<ModelArea> model, IovaRange range) {
        List<ModelArea> covering = new ArrayList<>();
        long next = range.start();
        for (ModelArea area : model) {
            if (area.last() < next || area.iova() > range.last()) {
                continue;
            }
            if (area.iova() > next) {
                return null;
            }
            covering.add(area);
            if (area.last() >= range.last()) {
                return covering;
            }
            next = area.last() + 1;
        }
        return null;
    }

    private static long alignmentFor(long userVa, long length) {
        long alignment = Long.highestOneBit(length - 1) << 1;
        alignment = Math.min(alignment, Long.lowestOneBit(userVa));
        return Math.min(alignment, 2L << 20);
    }

    /** The kernel's allocation done by brute force: every hole of every window, lowest first; 0 when none fits. */
    private static long lowestFit(List<ModelArea> model, List<IovaRange> allowed, long userVa, long length) {
        long alignment = alignmentFor(userVa, length);
        long offset = userVa & (PAGE - 1);
        List<IovaRange> windows = allowed.isEmpty() ? List.of(new IovaRange(PAGE, -1L - PAGE)) : mergedAdjacent(allowed);
        for (IovaRange window : windows) {
            long start = fit(window.start(), window.last(), length, alignment, offset);
            if (start == 0) {
                continue;
            }
            List<IovaRange> used = new ArrayList<>();
            used.add(RESERVED);
            model.forEach(area -> used.add(new IovaRange(area.iova(), area.last())));
            used.sort(Comparator.comparingLong(IovaRange::start));
            long holeStart = start;
            for (IovaRange block : used) {
                if (Long.compareUnsigned(block.last(), holeStart) < 0) {
                    continue;
                }
                if (Long.compareUnsigned(block.start(), window.last()) > 0) {
                    break;
                }
                if (Long.compareUnsigned(block.start(), holeStart) > 0) {
                    long found = fit(holeStart, block.start() - 1, length, alignment, offset);
                    if (found != 0) {
                        return found;
                    }
                }
                holeStart = block.last() + 1;
            }
            if (Long.compareUnsigned(holeStart, window.last()) <= 0) {
                long found = fit(holeStart, window.last(), length, alignment, offset);
                if (found != 0) {
                    return found;
                }
            }
        }
        return 0;
    }

    private static List<IovaRange> mergedAdjacent(List<IovaRange> allowed) {
        List<IovaRange> sorted = new ArrayList<>(allowed);
        sorted.sort(Comparator.comparingLong(IovaRange::start));
        List<IovaRange> merged = new ArrayList<>();
        for (IovaRange range : sorted) {
            if (!merged.isEmpty() && merged.getLast().last() + 1 == range.start()) {
                merged.set(merged.size() - 1, new IovaRange(merged.getLast().start(), range.last()));
            } else {
                merged.add(range);
            }
        }
        return merged;
    }

    private static long fit(long start, long last, long length, long alignment, long offset) {
        if (Long.compareUnsigned(last - start, length - 1) < 0) {
            return 0;
        }
        long aligned = ((start + alignment - 1) & -alignment) | offset;
        return Long.compareUnsigned(aligned, last) <= 0 && Long.compareUnsigned(last - aligned, length - 1) >= 0 ? aligned : 0;
    }
}
