package io.vfleet.engine.iommufd;

import io.vfleet.engine.IovaRange;

import java.util.Objects;

/**
 * An IOMMU paging domain, as {@code struct iommu_domain} is seen by drivers/iommu/iommufd/io_pagetable.c:
 * its aperture ({@code geometry}) and the page sizes it can map ({@code pgsize_bitmap}).
 *
 * <p>The page table keeps it as an identity: it is the owner of the reservations outside its
 * aperture, so two domains with equal facts are still two domains. Immutable.
 */
public final class IommuDomain {
    private final IovaRange aperture;
    private final long pageSizeBitmap;
    private final boolean enforceCacheCoherency;

    public IommuDomain(IovaRange aperture, long pageSizeBitmap, boolean enforceCacheCoherency) {
        this.aperture = Objects.requireNonNull(aperture, "aperture");
        if (pageSizeBitmap == 0) {
            throw new IllegalArgumentException("an IOMMU domain maps at least one page size");
        }
        this.pageSizeBitmap = pageSizeBitmap;
        this.enforceCacheCoherency = enforceCacheCoherency;
    }

    /** The IOVA window the hardware can translate; everything outside is reserved while attached. */
    public IovaRange aperture() {
        return aperture;
    }

    public long pageSizeBitmap() {
        return pageSizeBitmap;
    }

    /** The smallest IO page size; it bounds the IOAS alignment from below ({@code __ffs(pgsize_bitmap)}). */
    public long smallestPageSize() {
        return Long.lowestOneBit(pageSizeBitmap);
    }

    public boolean enforceCacheCoherency() {
        return enforceCacheCoherency;
    }

    @Override
    public String toString() {
        return "IommuDomain" + aperture + "@" + Integer.toHexString(System.identityHashCode(this));
    }
}
