package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;

import java.util.ArrayList;
import java.util.List;

/** A process's address space as a list of disjoint mapped regions, each read-only or read-write. */
final class FakeUserMemory implements UserMemory {
    private record Region(long start, long length, boolean writable) {
        long end() {
            return start + length;
        }
    }

    private final List<Region> regions = new ArrayList<>();

    FakeUserMemory map(long start, long length, boolean writable) {
        regions.add(new Region(start, length, writable));
        return this;
    }

    void unmapEverything() {
        regions.clear();
    }

    @Override
    public void checkPinnable(long userVa, long length, boolean write) {
        long cursor = userVa;
        long end = userVa + length;
        while (Long.compareUnsigned(cursor, end) < 0) {
            Region region = regionContaining(cursor);
            if (region == null) {
                throw Errno.EFAULT.exception("user_va 0x" + Long.toHexString(cursor) + " is not mapped");
            }
            if (write && !region.writable()) {
                throw Errno.EPERM.exception("user_va 0x" + Long.toHexString(cursor) + " is read-only");
            }
            cursor = region.end();
        }
    }

    @Override
    public boolean isWritable(long userVa, long length) {
        for (Region region : regions) {
            boolean intersects = Long.compareUnsigned(region.start(), userVa + length) < 0
                    && Long.compareUnsigned(userVa, region.end()) < 0;
            if (intersects && !region.writable()) {
                return false;
            }
        }
        return true;
    }

    private Region regionContaining(long address) {
        for (Region region : regions) {
            if (Long.compareUnsigned(region.start(), address) <= 0 && Long.compareUnsigned(address, region.end()) < 0) {
                return region;
            }
        }
        return null;
    }
}
