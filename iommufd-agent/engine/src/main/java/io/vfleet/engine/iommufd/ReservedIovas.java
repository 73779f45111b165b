package io.vfleet.engine.iommufd;

import io.vfleet.engine.IovaRange;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The reserved IOVA ranges of one page table ({@code io_pagetable.reserved_itree} with its
 * {@code struct iopt_reserved} entries), each tagged with its owner (a device or a domain).
 *
 * <p>Reservations may overlap each other (two devices with the same MSI window). There are few of
 * them (tens), so they are kept in a list, and their union is kept as sorted, disjoint, non-adjacent
 * spans rebuilt on every change, which is what lookups and IOVA allocation read. No locking: the
 * caller holds the host's lock.
 */
final class ReservedIovas {
    private record Reservation(IovaRange range, Object owner) {
    }

    private final List<Reservation> reservations = new ArrayList<>();
    private long[] spanStarts = new long[0];
    private long[] spanLasts = new long[0];

    void add(IovaRange range, Object owner) {
        reservations.add(new Reservation(range, owner));
        rebuildSpans();
    }

    // An owner is an identity token (a device, a group, a domain), as in the kernel's owner pointer.
    @SuppressWarnings("ReferenceEquality")
    void removeOwner(Object owner) {
        if (reservations.removeIf(reservation -> reservation.owner() == owner)) {
            rebuildSpans();
        }
    }

    boolean intersects(long start, long last) {
        int index = firstSpanEndingAtOrAfter(start);
        return index < spanStarts.length && Long.compareUnsigned(spanStarts[index], last) <= 0;
    }

    int spanCount() {
        return spanStarts.length;
    }

    long spanStart(int index) {
        return spanStarts[index];
    }

    long spanLast(int index) {
        return spanLasts[index];
    }

    /** Index of the first union span whose last IOVA is at or after {@code iova}; {@link #spanCount()} if none. */
    int firstSpanEndingAtOrAfter(long iova) {
        int low = 0;
        int high = spanLasts.length;
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (Long.compareUnsigned(spanLasts[middle], iova) < 0) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }

    /** The holes of the union in {@code [0, 2^64-1]}: what IOMMU_IOAS_IOVA_RANGES reports. */
    List<IovaRange> holes() {
        List<IovaRange> holes = new ArrayList<>();
        long next = 0;
        for (int index = 0; index < spanStarts.length; index++) {
            if (Long.compareUnsigned(spanStarts[index], next) > 0) {
                holes.add(new IovaRange(next, spanStarts[index] - 1));
            }
            if (spanLasts[index] == -1L) {
                return holes;
            }
            next = spanLasts[index] + 1;
        }
        holes.add(new IovaRange(next, -1L));
        return holes;
    }

    private void rebuildSpans() {
        List<IovaRange> sorted = reservations.stream()
                .map(Reservation::range)
                .sorted(Comparator.comparing(IovaRange::start, Long::compareUnsigned))
                .toList();
        List<IovaRange> merged = new ArrayList<>();
        for (IovaRange range : sorted) {
            if (!merged.isEmpty()) {
                IovaRange previous = merged.getLast();
                boolean touches = previous.last() == -1L
                        || Long.compareUnsigned(range.start(), previous.last() + 1) <= 0;
                if (touches) {
                    long last = Long.compareUnsigned(range.last(), previous.last()) > 0 ? range.last() : previous.last();
                    merged.set(merged.size() - 1, new IovaRange(previous.start(), last));
                    continue;
                }
            }
            merged.add(range);
        }
        spanStarts = merged.stream().mapToLong(IovaRange::start).toArray();
        spanLasts = merged.stream().mapToLong(IovaRange::last).toArray();
    }
}
