package io.vfleet.engine.process;

import io.vfleet.engine.Errno;
import io.vfleet.engine.iommufd.UserMemory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A process's user memory ({@code mm_struct} and its VMAs): the memory that IOAS maps pin.
 *
 * <p>Regions are page-aligned, non-overlapping and keyed by start address; {@code mmap} places a
 * new region at the lowest free address at or above {@link #MMAP_BASE}. After the process exits
 * the address space is dead and every pin attempt through it fails with EFAULT, as pinning through
 * a dead {@code mm} does. Guarded by the host lock.
 */
public final class AddressSpace implements UserMemory {
    public static final long PAGE_SIZE = 4096;
    public static final int PROT_READ = 1, PROT_WRITE = 2;
    static final long MMAP_BASE = 0x7f00_0000_0000L;
    private static final long TASK_SIZE = 0x7fff_ffff_f000L;

    /** One VMA: [start, end), end exclusive. */
    public record Region(long start, long end, int prot) {
        public boolean writable() {
            return (prot & PROT_WRITE) != 0;
        }
    }

    private final TreeMap<Long, Region> regions = new TreeMap<>();
    private boolean dead;

    /** mmap(NULL, length, prot, MAP_PRIVATE|MAP_ANONYMOUS): returns the chosen address. */
    public long mmap(long length, int prot) {
        if (length <= 0 || length > TASK_SIZE - MMAP_BASE) {
            throw Errno.EINVAL.exception("mmap length " + length + " is zero or too large");
        }
        if ((prot & ~(PROT_READ | PROT_WRITE)) != 0) {
            throw Errno.EINVAL.exception("mmap prot 0x" + Integer.toHexString(prot) + " has unknown bits");
        }
        long size = roundUpToPage(length);
        long candidate = MMAP_BASE;
        for (Region region : regions.tailMap(MMAP_BASE, true).values()) {
            if (region.start() - candidate >= size) {
                break;
            }
            candidate = Math.max(candidate, region.end());
        }
        if (TASK_SIZE - candidate < size) {
            throw Errno.ENOMEM.exception("no room for " + size + " bytes of user memory");
        }
        regions.put(candidate, new Region(candidate, candidate + size, prot));
        return candidate;
    }

    /** munmap(addr, length): removes whatever is mapped in the range, splitting regions at the edges. */
    public void munmap(long address, long length) {
        if (address % PAGE_SIZE != 0 || length <= 0 || address < 0 || address > TASK_SIZE
                || length > TASK_SIZE - address) {
            throw Errno.EINVAL.exception("munmap of [0x" + Long.toHexString(address) + ", +" + length
                    + ") is unaligned, empty or outside user space");
        }
        long end = address + roundUpToPage(length);
        List<Region> touched = new ArrayList<>();
        Map.Entry<Long, Region> before = regions.lowerEntry(address);
        if (before != null && before.getValue().end() > address) {
            touched.add(before.getValue());
        }
        touched.addAll(regions.subMap(address, true, end, false).values());
        for (Region region : touched) {
            regions.remove(region.start());
            if (region.start() < address) {
                regions.put(region.start(), new Region(region.start(), address, region.prot()));
            }
            if (region.end() > end) {
                regions.put(end, new Region(end, region.end(), region.prot()));
            }
        }
    }

    @Override
    public void checkPinnable(long userVa, long length, boolean write) {
        if (dead) {
            throw Errno.EFAULT.exception("the process that mapped 0x" + Long.toHexString(userVa) + " has exited");
        }
        long cursor = userVa;
        long end = userVa + length;
        if (Long.compareUnsigned(end, userVa) < 0 || userVa < 0) {
            throw Errno.EFAULT.exception("user range at 0x" + Long.toUnsignedString(userVa, 16) + " is outside user space");
        }
        while (cursor < end) {
            Map.Entry<Long, Region> entry = regions.floorEntry(cursor);
            if (entry == null || entry.getValue().end() <= cursor) {
                throw Errno.EFAULT.exception("user address 0x" + Long.toHexString(cursor) + " is not mapped");
            }
            Region region = entry.getValue();
            if (write && !region.writable()) {
                throw Errno.EPERM.exception("user memory at 0x" + Long.toHexString(cursor) + " is read-only");
            }
            cursor = region.end();
        }
    }

    /**
     * Only the mapped parts of the range are judged: a hole is not read-only memory, it is found
     * (EFAULT) when the range is pinned, which for an IOAS without a domain is later than the MAP.
     */
    @Override
    public boolean isWritable(long userVa, long length) {
        long end = userVa + length;
        if (userVa < 0 || end < userVa) {
            return true;
        }
        Map.Entry<Long, Region> first = regions.floorEntry(userVa);
        long from = first != null && first.getValue().end() > userVa ? first.getKey() : userVa;
        for (Region region : regions.subMap(from, true, end, false).values()) {
            if (!region.writable()) {
                return false;
            }
        }
        return true;
    }

    /** The regions in address order, for snapshots and introspection. */
    public List<Region> regions() {
        return List.copyOf(regions.values());
    }

    /** Restores a region when a snapshot is read back. */
    void restore(Region region) {
        regions.put(region.start(), region);
    }

    void kill() {
        dead = true;
        regions.clear();
    }

    public boolean isDead() {
        return dead;
    }

    public static long roundUpToPage(long length) {
        return (length + PAGE_SIZE - 1) & -PAGE_SIZE;
    }
}
