package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;

import java.util.List;

/**
 * Automatic IOVA allocation for MAP and COPY: {@code iopt_alloc_iova} in
 * drivers/iommu/iommufd/io_pagetable.c (KERNEL.md §10.3).
 *
 * <p>Windows are searched in address order: the allowed spans clipped to
 * {@code [PAGE_SIZE, 2^64-1-PAGE_SIZE]}, or that whole range when no allowed list is set. In a window
 * the holes left by areas and reserved ranges are tried lowest first; a hole fits when, after
 * rounding its start up to the alignment and putting back the user VA's offset in its page, it still
 * holds the length. The area tree offers only holes at least as long as the mapping, reaching the
 * first in O(log n); reserved ranges, which never overlap areas, cut those holes further. IOVA 0 is
 * never returned, so it doubles as "nothing found" inside this class.
 *
 * <p>No locking: the caller holds the host's lock.
 */
final class IovaAllocator implements AreaTree.HoleFit {
    private static final long PAGE_SIZE = IoptPages.PAGE_SIZE;
    /** Alignments above the huge page size buy nothing, so requests are capped there (KERNEL.md §10.3). */
    private static final long HUGE_PAGE_SIZE = 2L << 20;
    private static final long NOT_FOUND = AreaTree.NONE;

    private final AreaTree areas;
    private final ReservedIovas reserved;

    // The request being allocated, read by fit(start, last) while the area tree offers holes.
    private long length;
    private long alignment;
    private long pageOffset;

    IovaAllocator(AreaTree areas, ReservedIovas reserved) {
        this.areas = areas;
        this.reserved = reserved;
    }

    /**
     * The lowest fitting IOVA for {@code length} bytes of user memory at {@code userVa}. EOVERFLOW for
     * a length of 2^63-1 or more (the kernel's {@code ULONG_MAX / 2} guard of
     * {@code roundup_pow_of_two}), EINVAL when the alignment the user VA allows is below the table's,
     * ENOSPC when nothing fits.
     */
    long allocate(long userVa, long length, long tableAlignment, List<IovaRange> allowed) {
        if (length == 0 || Long.compareUnsigned(length, -1L >>> 1) >= 0) {
            throw Errno.EOVERFLOW.exception("length 0x" + IoPagetable.hex(length) + " is too large to allocate an IOVA for");
        }
        long alignment = length == 1 ? 1 : Long.highestOneBit(length - 1) << 1;
        if (userVa != 0 && Long.compareUnsigned(Long.lowestOneBit(userVa), alignment) < 0) {
            alignment = Long.lowestOneBit(userVa);
        }
        if (Long.compareUnsigned(alignment, HUGE_PAGE_SIZE) > 0) {
            alignment = HUGE_PAGE_SIZE;
        }
        if (Long.compareUnsigned(alignment, tableAlignment) < 0) {
            throw Errno.EINVAL.exception("user_va 0x" + IoPagetable.hex(userVa) + " and length allow alignment 0x"
                    + IoPagetable.hex(alignment) + ", below the IOAS alignment 0x" + IoPagetable.hex(tableAlignment));
        }
        this.length = length;
        this.alignment = alignment;
        this.pageOffset = userVa & (PAGE_SIZE - 1);
        long windowFloor = PAGE_SIZE;
        long windowCeiling = -1L - PAGE_SIZE;
        if (allowed.isEmpty()) {
            long found = searchWindow(windowFloor, windowCeiling);
            if (found != NOT_FOUND) {
                return found;
            }
        }
        int index = 0;
        while (index < allowed.size()) {
            long start = allowed.get(index).start();
            long last = allowed.get(index).last();
            // Adjacent allowed ranges form one span, as the kernel's span iterator sees them.
            while (index + 1 < allowed.size() && last != -1L && allowed.get(index + 1).start() == last + 1) {
                last = allowed.get(++index).last();
            }
            index++;
            if (Long.compareUnsigned(last, windowFloor) < 0 || Long.compareUnsigned(start, windowCeiling) > 0) {
                continue;
            }
            start = IoPagetable.unsignedMax(start, windowFloor);
            last = Long.compareUnsigned(last, windowCeiling) < 0 ? last : windowCeiling;
            long found = searchWindow(start, last);
            if (found != NOT_FOUND) {
                return found;
            }
        }
        throw Errno.ENOSPC.exception("no free IOVA range of 0x" + IoPagetable.hex(length) + " bytes aligned to 0x"
                + IoPagetable.hex(alignment));
    }

    private long searchWindow(long windowStart, long windowLast) {
        long start = alignedFit(windowStart, windowLast);
        if (start == NOT_FOUND) {
            return NOT_FOUND;
        }
        return areas.lowestFit(start, windowLast, this);
    }

    @Override
    public long minimumLength() {
        return length;
    }

    /**
     * A fitting IOVA is a multiple of the alignment and is followed by the length, so its hole holds
     * an aligned block of the smaller of the alignment and the largest power of two within the length.
     */
    @Override
    public long alignedBlock() {
        return Math.min(alignment, Long.highestOneBit(length));
    }

    /**
     * A hole between areas, as the tree offers it: the lowest fit in {@code [start, last]} outside
     * every reserved span, which is what the kernel's walk over the holes of both trees finds.
     */
    @Override
    public long fit(long start, long last) {
        long pieceStart = start;
        for (int index = reserved.firstSpanEndingAtOrAfter(start); index < reserved.spanCount(); index++) {
            long spanStart = reserved.spanStart(index);
            if (Long.compareUnsigned(spanStart, last) > 0) {
                break;
            }
            if (Long.compareUnsigned(spanStart, pieceStart) > 0) {
                long found = alignedFit(pieceStart, spanStart - 1);
                if (found != NOT_FOUND) {
                    return found;
                }
            }
            long spanLast = reserved.spanLast(index);
            if (spanLast == -1L || Long.compareUnsigned(spanLast, last) >= 0) {
                return NOT_FOUND;
            }
            pieceStart = IoPagetable.unsignedMax(pieceStart, spanLast + 1);
        }
        return alignedFit(pieceStart, last);
    }

    /**
     * {@code ALIGN(start, alignment) | page_offset} when {@code [start, last]} holds the length both
     * before and after that adjustment, as the kernel checks it; else {@link #NOT_FOUND}. Unlike the
     * kernel, a start that would wrap past 2^64-1 when rounded up does not fit.
     */
    private long alignedFit(long start, long last) {
        if (Long.compareUnsigned(last - start, length - 1) < 0) {
            return NOT_FOUND;
        }
        long aligned = ((start + alignment - 1) & -alignment) | pageOffset;
        if (Long.compareUnsigned(aligned, start) < 0 || Long.compareUnsigned(aligned, last) > 0
                || Long.compareUnsigned(last - aligned, length - 1) < 0) {
            return NOT_FOUND;
        }
        return aligned;
    }
}
