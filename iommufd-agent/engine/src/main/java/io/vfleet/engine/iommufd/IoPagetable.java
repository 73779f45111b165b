package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The IOVA → user memory map behind an IOAS: {@code struct io_pagetable} from
 * drivers/iommu/iommufd/io_pagetable.c, with the pinning rules of pages.c (KERNEL.md §2.2, §8–§10).
 *
 * <p>Invariants: areas never overlap each other and never intersect a reserved range; allowed
 * ranges never intersect a reserved range; every area's IOVA, length and page offset are multiples
 * of {@link #iovaAlignment()}, which is the largest of the domains' smallest page sizes, PAGE_SIZE
 * per attached access, and PAGE_SIZE while huge pages are disabled; while at least one domain is
 * attached, every area holds its pages pinned (once per area, however many domains).
 *
 * <p>Errors leave the table as it was, except where the kernel itself is not atomic (UNMAP removes
 * areas one by one, §10.5) or leaves a mark ({@code prevent_access} after EDEADLK).
 *
 * <p>No locking of its own: the caller (the IOAS) holds its host's lock around every call, which
 * stands in for the kernel's {@code domains_rwsem} and {@code iova_rwsem}. Access callbacks run under
 * that lock and may call {@link #unpinPages} re-entrantly.
 */
public final class IoPagetable {
    public static final int FIXED_IOVA = 1;
    public static final int WRITEABLE = 2;
    public static final int READABLE = 4;

    static final long PAGE_SIZE = IoptPages.PAGE_SIZE;
    private static final long ULONG_MAX = -1L;
    private static final int UNMAP_NOTIFY_ROUNDS = 100;

    private final AreaTree areas = new AreaTree();
    private final ReservedIovas reserved = new ReservedIovas();
    private final IovaAllocator allocator = new IovaAllocator(areas, reserved);
    private List<IovaRange> allowed = List.of();
    private final List<IommuDomain> domains = new ArrayList<>();
    private final List<IoptAccess> accesses = new ArrayList<>();
    private long iovaAlignment = 1;
    private boolean largePagesDisabled;

    /** A slice of one pages object on its way into a new area (the kernel's {@code iopt_pages_list}). */
    private record Slice(IoptPages pages, long startByte, long length) {
    }

    /**
     * {@code iopt_map_user_pages}: maps all of {@code pages} at {@code iova} (FIXED_IOVA) or at an
     * allocated IOVA, and returns the IOVA. KERNEL.md §10.2 steps 6–10 and §10.3; steps 1–5 are the
     * ioctl's and {@link IoptPages}'s. Pins now when a domain is attached.
     */
    public long map(IoptPages pages, long iova, int flags) {
        int prot = protection(flags);
        long length = pages.length();
        checkLengthAligned(length);
        long destination = place(pages.userVa(), length, iova, flags);
        checkPageOffset(pages.userVa() & (PAGE_SIZE - 1));
        if ((prot & WRITEABLE) != 0 && !pages.memory().isWritable(pages.userVa(), length)) {
            throw Errno.EPERM.exception("WRITEABLE map of read-only memory at user_va 0x" + hex(pages.userVa()));
        }
        pages.setWritable((prot & WRITEABLE) != 0);
        IoptArea area = new IoptArea(destination, length, pages, pages.userVa() & (PAGE_SIZE - 1), prot);
        if (!domains.isEmpty()) {
            pages.hold();
        }
        areas.insert(area);
        return destination;
    }

    /**
     * {@code iommufd_ioas_copy}: maps what {@code source} maps at {@code [sourceIova, +length)} into
     * this table, sharing the source's pages, and returns the destination IOVA (§10.4 from "src range
     * overflow" on). As in the kernel ({@code iopt_get_pages} then {@code iopt_map_pages}) a copy that
     * spans several source areas makes one destination area per source area.
     */
    public long copy(IoPagetable source, long sourceIova, long length, long iova, int flags) {
        int prot = protection(flags);
        if (length == 0) {
            throw Errno.EINVAL.exception("copy length is 0");
        }
        long sourceLast = lastOf(sourceIova, length);
        List<IoptArea> covering = source.contiguousAreas(sourceIova, sourceLast);
        if (covering == null) {
            throw Errno.ENOENT.exception("source " + range(sourceIova, sourceLast) + " is not fully covered by areas");
        }
        List<Slice> slices = new ArrayList<>(covering.size());
        for (IoptArea area : covering) {
            long first = unsignedMax(area.iova, sourceIova);
            long last = Long.compareUnsigned(area.last, sourceLast) < 0 ? area.last : sourceLast;
            slices.add(new Slice(area.pages(), area.startByte() + (first - area.iova), last - first + 1));
        }
        checkLengthAligned(length);
        Slice head = slices.getFirst();
        long destination = place(head.pages().pageAlignedUserVa() + head.startByte(), length, iova, flags);
        for (Slice slice : slices) {
            if ((prot & WRITEABLE) != 0 && !slice.pages().writable()) {
                throw Errno.EPERM.exception("WRITEABLE copy of pages mapped read-only: " + slice.pages());
            }
            checkPageOffset(slice.startByte() & (PAGE_SIZE - 1));
        }
        if (!domains.isEmpty()) {
            holdAll(slices.stream().map(Slice::pages).toList());
        }
        long next = destination;
        for (Slice slice : slices) {
            areas.insert(new IoptArea(next, slice.length(), slice.pages(), slice.startByte(), prot));
            next += slice.length();
        }
        return destination;
    }

    /**
     * {@code iopt_unmap_iova}: removes every area inside {@code [iova, iova+length-1]} and returns the
     * bytes removed (§10.5). ENOENT when an area sticks out (areas already removed stay removed) or
     * when nothing is mapped there.
     */
    public long unmap(long iova, long length) {
        if (length == 0) {
            throw Errno.EINVAL.exception("unmap length is 0");
        }
        return unmapRange(iova, lastOf(iova, length));
    }

    /**
     * {@code iopt_unmap_iova} as the kernel itself has it: a range with nothing mapped succeeds with 0 bytes;
     * IOMMU_IOAS_UNMAP turns that into ENOENT ({@link #unmap}), the VFIO compat layer of Linux 6.12 does not.
     */
    public long unmapAllowingNothing(long iova, long length) {
        if (length == 0) {
            throw new AssertionError("the compat layer refuses an empty unmap before it gets here");
        }
        long last = lastOf(iova, length);
        return areas.firstIntersecting(iova, last) == null ? 0 : unmapRange(iova, last);
    }

    /** {@code iopt_unmap_all}: removes every area; an empty table succeeds with 0 bytes. */
    public long unmapAll() {
        return areas.isEmpty() ? 0 : unmapRange(0, ULONG_MAX);
    }

    /** IOMMU_IOAS_IOVA_RANGES (§10.6): the holes of the reserved ranges; areas and allowed ranges do not show. */
    public List<IovaRange> iovaRanges() {
        return reserved.holes();
    }

    public long iovaAlignment() {
        return iovaAlignment;
    }

    /**
     * {@code iommufd_ioas_allow_iovas} + {@code iopt_set_allow_iova} (§10.7): each range needs
     * {@code start < last} and may not overlap another (EINVAL), none may intersect a reserved range
     * (EADDRINUSE). Replaces the list atomically; an empty list clears it.
     */
    public void setAllowedIovas(List<IovaRange> ranges) {
        List<IovaRange> checked = new ArrayList<>(ranges.size());
        for (IovaRange range : ranges) {
            if (Long.compareUnsigned(range.start(), range.last()) >= 0) {
                throw Errno.EINVAL.exception("allowed range " + range + " needs start < last");
            }
            for (IovaRange earlier : checked) {
                if (earlier.intersects(range)) {
                    throw Errno.EINVAL.exception("allowed ranges " + earlier + " and " + range + " overlap");
                }
            }
            checked.add(range);
        }
        for (IovaRange range : checked) {
            if (reserved.intersects(range.start(), range.last())) {
                throw Errno.EADDRINUSE.exception("allowed range " + range + " intersects a reserved range");
            }
        }
        checked.sort(Comparator.comparing(IovaRange::start, Long::compareUnsigned));
        allowed = List.copyOf(checked);
    }

    public List<IovaRange> allowedIovas() {
        return allowed;
    }

    /**
     * {@code iopt_reserve_iova}: reserves {@code range} for {@code owner} (a device for its reserved
     * regions, a domain for what lies outside its aperture). EADDRINUSE when an area or an allowed
     * range intersects it.
     */
    public void reserve(IovaRange range, Object owner) {
        IoptArea area = areas.firstIntersecting(range.start(), range.last());
        if (area != null) {
            throw Errno.EADDRINUSE.exception("reserved range " + range + " intersects mapped area " + area.range());
        }
        for (IovaRange allowedRange : allowed) {
            if (allowedRange.intersects(range)) {
                throw Errno.EADDRINUSE.exception("reserved range " + range + " intersects allowed range " + allowedRange);
            }
        }
        reserved.add(range, owner);
    }

    /** {@code iopt_remove_reserved_iova}: drops every reservation of {@code owner}. */
    public void removeReservations(Object owner) {
        reserved.removeOwner(owner);
    }

    /**
     * {@code iopt_table_add_domain} (§8.1 step 5): raises the alignment to the domain's smallest page
     * (EINVAL above PAGE_SIZE, EADDRINUSE for areas that do not conform), reserves what lies outside
     * its aperture (EADDRINUSE), and, for the first domain, pins every area (EFAULT/EPERM/ENOMEM).
     * All or nothing.
     */
    public void addDomain(IommuDomain domain) {
        if (domains.contains(domain)) {
            throw Errno.EEXIST.exception("domain already in this IOAS: " + domain);
        }
        long newAlignment = Math.max(domain.smallestPageSize(), iovaAlignment);
        if (domain.smallestPageSize() <= 0 || newAlignment > PAGE_SIZE) {
            throw Errno.EINVAL.exception("domain's smallest page size 0x" + hex(domain.smallestPageSize())
                    + " is above PAGE_SIZE");
        }
        if (newAlignment != iovaAlignment) {
            checkAreasAligned(newAlignment);
        }
        IovaRange aperture = domain.aperture();
        try {
            if (aperture.start() != 0) {
                reserve(new IovaRange(0, aperture.start() - 1), domain);
            }
            if (aperture.last() != ULONG_MAX) {
                reserve(new IovaRange(aperture.last() + 1, ULONG_MAX), domain);
            }
            if (domains.isEmpty()) {
                holdAll(areas.inOrder().stream().map(IoptArea::pages).toList());
            }
        } catch (KernelException failure) {
            reserved.removeOwner(domain);
            throw failure;
        }
        iovaAlignment = newAlignment;
        domains.add(domain);
    }

    /**
     * {@code iopt_table_remove_domain} (§8.4): drops the domain's reservations; the last domain
     * releases the areas' pins, so pages stay pinned only where an access holds them. The alignment
     * relaxes.
     */
    public void removeDomain(IommuDomain domain) {
        if (!domains.remove(domain)) {
            throw new AssertionError("domain not in this IOAS: " + domain);
        }
        if (domains.isEmpty()) {
            for (IoptArea area : areas.inOrder()) {
                area.pages().release();
            }
        }
        reserved.removeOwner(domain);
        recalculateAlignment();
    }

    /** {@code iopt_add_access} (§9.1): the access pins pages, so the alignment becomes at least PAGE_SIZE (EADDRINUSE). */
    public void addAccess(IoptAccess access) {
        if (accesses.contains(access)) {
            throw new AssertionError("access already attached: " + access);
        }
        accesses.add(access);
        try {
            recalculateAlignment();
        } catch (KernelException failure) {
            accesses.remove(access);
            throw failure;
        }
    }

    /**
     * {@code iommufd_access_detach} + {@code iopt_remove_access} (§9.2): the access is told to drop
     * every pin in the whole IOVA space, then leaves. Not attached: nothing happens.
     */
    public void removeAccess(IoptAccess access) {
        if (!accesses.contains(access)) {
            return;
        }
        access.unmapNotify(IovaRange.ALL);
        accesses.remove(access);
        recalculateAlignment();
    }

    /**
     * {@code iommufd_access_pin_pages} (§9.3): pins {@code [iova, iova+length-1]} for the access.
     * ENOENT when the access is not attached or the range is not covered by contiguous areas, EINVAL
     * for length 0, an area being unmapped or a boundary inside the range that is not page aligned,
     * EOVERFLOW, EPERM for a write pin of an area mapped without WRITEABLE (or a read pin without
     * READABLE), and the pinning errors of the pages. All or nothing.
     */
    public void pinPages(IoptAccess access, long iova, long length, boolean write) {
        if (!accesses.contains(access)) {
            throw Errno.ENOENT.exception("access is not attached to this IOAS");
        }
        if (length == 0) {
            throw Errno.EINVAL.exception("pin length is 0");
        }
        long last = lastOf(iova, length);
        List<IoptArea> pinned = new ArrayList<>();
        try {
            IoptArea area = areas.firstIntersecting(iova, iova);
            while (area != null) {
                checkPinnable(area, area.iova != iova && Long.compareUnsigned(area.iova, iova) > 0, write);
                if (Long.compareUnsigned(last, area.last) > 0 && ((area.startByte() + area.length()) & (PAGE_SIZE - 1)) != 0) {
                    // The kernel's iopt_area_contig_is_aligned refuses this with EINVAL; here an attached
                    // access holds the IOAS alignment at PAGE_SIZE, so every area is page aligned.
                    throw new AssertionError("area " + area.range() + " does not end on a page boundary inside the pin");
                }
                addAccessPin(area);
                pinned.add(area);
                if (Long.compareUnsigned(last, area.last) <= 0) {
                    return;
                }
                IoptArea next = areas.next(area);
                area = next != null && next.iova == area.last + 1 ? next : null;
            }
            throw Errno.ENOENT.exception("pin range " + range(iova, last) + " is not fully covered by areas");
        } catch (KernelException failure) {
            pinned.forEach(IoPagetable::removeAccessPin);
            throw failure;
        }
    }

    /** {@code iommufd_access_unpin_pages}: undoes one {@link #pinPages} of the same range. */
    public void unpinPages(IoptAccess access, long iova, long length) {
        long last = lastOf(iova, length);
        List<IoptArea> covering = contiguousAreas(iova, last);
        if (covering == null || !accesses.contains(access)) {
            throw new AssertionError("unpinning " + range(iova, last) + " that this access did not pin");
        }
        for (IoptArea area : covering) {
            if (area.accessPins == 0) {
                throw new AssertionError("unpinning area " + area.range() + " that no access pinned");
            }
        }
        covering.forEach(IoPagetable::removeAccessPin);
    }

    /**
     * IOMMU_OPTION HUGE_PAGES SET ({@code iopt_enable_large_pages} / {@code iopt_disable_large_pages},
     * §10.8). Disabling raises the alignment to PAGE_SIZE: EINVAL when domains and areas both exist,
     * EADDRINUSE when an area does not conform.
     */
    public void setHugePages(boolean enabled) {
        if (enabled) {
            largePagesDisabled = false;
            recalculateAlignment();
            return;
        }
        if (largePagesDisabled) {
            return;
        }
        if (!domains.isEmpty() && !areas.isEmpty()) {
            throw Errno.EINVAL.exception("cannot disable huge pages while domains have areas mapped");
        }
        largePagesDisabled = true;
        try {
            recalculateAlignment();
        } catch (KernelException failure) {
            largePagesDisabled = false;
            throw failure;
        }
    }

    public boolean hugePages() {
        return !largePagesDisabled;
    }

    public int areaCount() {
        return areas.size();
    }

    /** The areas in IOVA order, a snapshot. */
    public List<IoptArea> areas() {
        return Collections.unmodifiableList(areas.inOrder());
    }

    public List<IommuDomain> domains() {
        return List.copyOf(domains);
    }

    /** Pages currently pinned by the pages objects this table's areas refer to, each object counted once. O(areas). */
    public long pinnedPages() {
        Set<IoptPages> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long total = 0;
        for (IoptArea area : areas.inOrder()) {
            if (area.pages().pinned() && seen.add(area.pages())) {
                total += area.pages().pageCount();
            }
        }
        return total;
    }

    /** The areas covering {@code [start, last]} without a gap ({@code iopt_for_each_contig_area}), or null. */
    List<IoptArea> contiguousAreas(long start, long last) {
        List<IoptArea> covering = new ArrayList<>();
        IoptArea area = areas.firstIntersecting(start, start);
        while (area != null) {
            covering.add(area);
            if (Long.compareUnsigned(last, area.last) <= 0) {
                return covering;
            }
            IoptArea next = areas.next(area);
            area = next != null && next.iova == area.last + 1 ? next : null;
        }
        return null;
    }

    private long unmapRange(long start, long last) {
        long unmapped = 0;
        IoptArea area;
        while ((area = areas.firstIntersecting(start, last)) != null) {
            if (Long.compareUnsigned(area.iova, start) < 0 || Long.compareUnsigned(area.last, last) > 0) {
                throw Errno.ENOENT.exception("area " + area.range() + " sticks out of unmap range " + range(start, last));
            }
            if (area.accessPins > 0) {
                notifyAccesses(area);
                continue;
            }
            areas.remove(area);
            if (!domains.isEmpty()) {
                area.pages().release();
            }
            unmapped += area.length();
            if (area.last == last) {
                break;
            }
            // Everything below has just been removed, so the next lookup may start after this area.
            start = area.last + 1;
        }
        if (unmapped == 0) {
            throw Errno.ENOENT.exception("nothing is mapped in " + range(start, last));
        }
        return unmapped;
    }

    /** §9.4: accesses holding pins in an area being unmapped are told, round after round, until they let go. */
    private void notifyAccesses(IoptArea area) {
        area.preventAccess = true;
        IovaRange range = area.range();
        for (int round = 0; area.accessPins > 0; round++) {
            if (round == UNMAP_NOTIFY_ROUNDS) {
                throw Errno.EDEADLK.exception("accesses kept their pins in " + range + " after "
                        + UNMAP_NOTIFY_ROUNDS + " unmap notifications");
            }
            for (IoptAccess access : List.copyOf(accesses)) {
                access.unmapNotify(range);
            }
        }
    }

    /** §10.2 step 7 / §10.3: checks a FIXED_IOVA or allocates one. */
    private long place(long userVa, long length, long iova, int flags) {
        if ((flags & FIXED_IOVA) == 0) {
            return allocator.allocate(userVa, length, iovaAlignment, allowed);
        }
        if ((iova & (iovaAlignment - 1)) != 0) {
            throw Errno.EINVAL.exception("iova 0x" + hex(iova) + " is not aligned to 0x" + hex(iovaAlignment));
        }
        long last = lastOf(iova, length);
        if (reserved.intersects(iova, last)) {
            throw Errno.EINVAL.exception(range(iova, last) + " intersects a reserved range");
        }
        IoptArea area = areas.firstIntersecting(iova, last);
        if (area != null) {
            throw Errno.EEXIST.exception(range(iova, last) + " intersects mapped area " + area.range());
        }
        return iova;
    }

    private void checkLengthAligned(long length) {
        if ((length & (iovaAlignment - 1)) != 0) {
            throw Errno.EINVAL.exception("length 0x" + hex(length) + " is not a multiple of the IOVA alignment 0x" + hex(iovaAlignment));
        }
    }

    private void checkPageOffset(long pageOffset) {
        if ((pageOffset & (iovaAlignment - 1)) != 0) {
            throw Errno.EINVAL.exception("user_va page offset 0x" + hex(pageOffset)
                    + " is not a multiple of the IOVA alignment 0x" + hex(iovaAlignment));
        }
    }

    private void checkPinnable(IoptArea area, boolean startsInside, boolean write) {
        if (area.preventAccess) {
            throw Errno.EINVAL.exception("area " + area.range() + " is being unmapped");
        }
        if (startsInside && (area.startByte() & (PAGE_SIZE - 1)) != 0) {
            // As above: unreachable while an attached access keeps the alignment at PAGE_SIZE.
            throw new AssertionError("area " + area.range() + " does not start on a page boundary inside the pin");
        }
        if (write ? !area.writeable() : !area.readable()) {
            throw Errno.EPERM.exception((write ? "write" : "read") + " pin of area " + area.range()
                    + " mapped without " + (write ? "WRITEABLE" : "READABLE"));
        }
    }

    private static void addAccessPin(IoptArea area) {
        if (area.accessPins == 0) {
            area.pages().hold();
        }
        area.accessPins++;
    }

    private static void removeAccessPin(IoptArea area) {
        if (--area.accessPins == 0) {
            area.pages().release();
        }
    }

    /** Holds every pages object in order; on the first failure releases what it held and rethrows. */
    private static void holdAll(List<IoptPages> pagesList) {
        int held = 0;
        try {
            for (IoptPages pages : pagesList) {
                pages.hold();
                held++;
            }
        } catch (KernelException failure) {
            for (int index = 0; index < held; index++) {
                pagesList.get(index).release();
            }
            throw failure;
        }
    }

    /** {@code iopt_calculate_iova_alignment}: EADDRINUSE, and no change, when areas do not conform to a larger one. */
    private void recalculateAlignment() {
        long alignment = largePagesDisabled ? PAGE_SIZE : 1;
        for (IommuDomain domain : domains) {
            alignment = Math.max(alignment, domain.smallestPageSize());
        }
        if (!accesses.isEmpty()) {
            alignment = Math.max(alignment, PAGE_SIZE);
        }
        if (alignment > iovaAlignment) {
            checkAreasAligned(alignment);
        }
        iovaAlignment = alignment;
    }

    /** {@code iopt_check_iova_alignment}. */
    private void checkAreasAligned(long alignment) {
        long mask = alignment - 1;
        for (IoptArea area : areas.inOrder()) {
            if ((area.iova & mask) != 0 || (area.length() & mask) != 0 || (area.pageOffset() & mask) != 0) {
                throw Errno.EADDRINUSE.exception("area " + area.range() + " is not aligned to 0x" + hex(alignment));
            }
        }
    }

    private static int protection(int flags) {
        int prot = flags & (READABLE | WRITEABLE);
        if (prot == 0) {
            throw new AssertionError("the ioctl handler lets no map without READABLE or WRITEABLE through");
        }
        return prot;
    }

    private static long lastOf(long iova, long length) {
        long last = iova + length - 1;
        if (Long.compareUnsigned(last, iova) < 0) {
            throw Errno.EOVERFLOW.exception("iova 0x" + hex(iova) + " + length 0x" + hex(length) + " overflows");
        }
        return last;
    }

    static long unsignedMax(long a, long b) {
        return Long.compareUnsigned(a, b) >= 0 ? a : b;
    }

    static String hex(long value) {
        return Long.toUnsignedString(value, 16);
    }

    private static String range(long start, long last) {
        return "[0x" + hex(start) + ", 0x" + hex(last) + "]";
    }
}
