package io.vfleet.engine.iommufd;

import io.vfleet.engine.IovaRange;

/**
 * One mapped IOVA range of an IOAS: {@code struct iopt_area} from drivers/iommu/iommufd/io_pagetable.h,
 * including, as in the kernel, the tree node it is linked into ({@code node}, an interval tree node).
 *
 * <p>The area maps {@code [iova, last]} to the bytes of {@link #pages()} starting {@link #startByte()}
 * bytes after the pages' page-aligned user VA. Areas are made by MAP and COPY, never split or
 * truncated, and removed whole by UNMAP.
 *
 * <p>Tree fields (package-private, owned by {@link AreaTree}): the children; the first and last
 * IOVA of the subtree rooted here; and, copied from each child, its height, its largest hole between
 * consecutive areas, the largest naturally aligned block any of those holes contains, and its IOVA
 * nearest to this area ({@code beforeLast}, {@code afterFirst}). They
 * let the lowest hole of a given size be found in O(log n) while reading only the nodes on the path.
 * No locking: the caller holds the host's lock.
 */
public final class IoptArea {
    IoptArea left;
    IoptArea right;
    long subtreeFirst;
    long subtreeLast;
    long beforeLast;
    long afterFirst;
    long leftMaxHole;
    long rightMaxHole;
    byte leftHeight;
    byte rightHeight;
    byte leftMaxBlock;
    byte rightMaxBlock;

    final long iova;
    final long last;
    private final IoptPages pages;
    private final long startByte;
    private final byte prot;
    int accessPins;
    boolean preventAccess;

    IoptArea(long iova, long length, IoptPages pages, long startByte, int prot) {
        this.iova = iova;
        this.last = iova + length - 1;
        this.pages = pages;
        this.startByte = startByte;
        this.prot = (byte) prot;
    }

    public long iova() {
        return iova;
    }

    /** Inclusive last IOVA. */
    public long last() {
        return last;
    }

    public long length() {
        return last - iova + 1;
    }

    public IovaRange range() {
        return new IovaRange(iova, last);
    }

    public IoptPages pages() {
        return pages;
    }

    /** Offset of the area's first byte from the pages' page-aligned user VA ({@code iopt_area_start_byte}). */
    public long startByte() {
        return startByte;
    }

    /** The user VA that {@link #iova()} maps. */
    public long userVa() {
        return pages.pageAlignedUserVa() + startByte;
    }

    /** {@link IoPagetable#READABLE} and {@link IoPagetable#WRITEABLE} bits of the MAP or COPY. */
    public int prot() {
        return prot;
    }

    public boolean readable() {
        return (prot & IoPagetable.READABLE) != 0;
    }

    public boolean writeable() {
        return (prot & IoPagetable.WRITEABLE) != 0;
    }

    /** Number of access pin calls currently holding this area ({@code num_accesses}). */
    public int accessPins() {
        return accessPins;
    }

    /** Offset of the mapped bytes within their first page ({@code page_offset}). */
    long pageOffset() {
        return startByte & (IoptPages.PAGE_SIZE - 1);
    }

    @Override
    public String toString() {
        return "IoptArea" + range() + " -> user_va 0x" + Long.toUnsignedString(userVa(), 16);
    }
}
