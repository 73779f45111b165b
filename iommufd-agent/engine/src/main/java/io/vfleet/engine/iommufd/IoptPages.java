package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;

import java.util.Objects;

/**
 * The user memory behind one MAP: {@code struct iopt_pages} from drivers/iommu/iommufd/pages.c.
 *
 * <p>Pins are whole-object: the first holder (a page table with a domain, through each of its
 * areas, or an access pin on one of its areas) checks the memory and charges every page spanned
 * by {@code [userVa, userVa + length)}; the last holder to go uncharges them. A page is therefore
 * counted once however many domains, accesses and copies hold it, and two MAPs of the same memory
 * are two objects and count twice. The kernel pins page by page; pinning the whole object keeps the
 * same errnos and the same totals once a mapping is fully in use, which is all the engine observes.
 *
 * <p>{@code writable} is fixed by the MAP that creates the area ({@code IOMMU_IOAS_MAP_WRITEABLE}):
 * a COPY asking for write access to pages mapped read-only is refused with EPERM.
 *
 * <p>No locking: the caller holds the host's lock, as for {@link IoPagetable}.
 */
public final class IoptPages {
    static final long PAGE_SIZE = 4096;

    private final UserMemory memory;
    private final long userVa;
    private final long length;
    private final PinAccount account;
    private int holders;
    private boolean writable;

    /**
     * Mirrors {@code iopt_alloc_pages}: {@code length} 0 or above {@code 2^64-1-PAGE_SIZE} → EINVAL,
     * {@code userVa + length} past the end of the address space → EOVERFLOW.
     */
    public IoptPages(UserMemory memory, long userVa, long length, PinAccount account) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.account = Objects.requireNonNull(account, "account");
        if (length == 0 || Long.compareUnsigned(length, -1L - PAGE_SIZE) > 0) {
            throw Errno.EINVAL.exception("map length 0x" + Long.toUnsignedString(length, 16)
                    + " is zero or above 2^64-1-PAGE_SIZE");
        }
        if (Long.compareUnsigned(userVa + length, userVa) <= 0) {
            throw Errno.EOVERFLOW.exception("user_va 0x" + Long.toUnsignedString(userVa, 16) + " + length 0x"
                    + Long.toUnsignedString(length, 16) + " overflows");
        }
        this.userVa = userVa;
        this.length = length;
    }

    public long userVa() {
        return userVa;
    }

    public long length() {
        return length;
    }

    public PinAccount account() {
        return account;
    }

    /** Number of 4 KiB pages spanned, the unit of accounting ({@code npages}). */
    public long pageCount() {
        long offset = userVa & (PAGE_SIZE - 1);
        return Long.divideUnsigned(offset + length - 1, PAGE_SIZE) + 1;
    }

    /** Whether the MAP that created these pages asked for write access. */
    public boolean writable() {
        return writable;
    }

    /** Whether the pages are currently pinned (and charged). */
    public boolean pinned() {
        return holders > 0;
    }

    /** The page-aligned user address that start bytes of areas are counted from ({@code pages->uptr}). */
    long pageAlignedUserVa() {
        return userVa & -PAGE_SIZE;
    }

    UserMemory memory() {
        return memory;
    }

    void setWritable(boolean writable) {
        this.writable = writable;
    }

    /**
     * One more holder; the first one pins: memory check (EFAULT/EPERM) then charge (ENOMEM).
     * On failure nothing is held or charged.
     */
    void hold() {
        if (holders == 0) {
            memory.checkPinnable(userVa, length, writable);
            account.charge(pageCount());
        }
        holders++;
    }

    /** One holder fewer; the last one unpins and uncharges. */
    void release() {
        if (holders <= 0) {
            throw new AssertionError("releasing pages nobody holds: " + this);
        }
        if (--holders == 0) {
            account.uncharge(pageCount());
        }
    }

    @Override
    public String toString() {
        return "IoptPages[user_va=0x" + Long.toUnsignedString(userVa, 16) + ", length=0x"
                + Long.toUnsignedString(length, 16) + ", holders=" + holders + "]";
    }
}
