package io.vfleet.engine.topology;

import io.vfleet.engine.IovaRange;
import java.util.List;
import java.util.Objects;

/**
 * What the IOMMU driver reports for one device: its aperture ({@code iommu_domain_geometry}), reserved
 * regions ({@code iommu_get_resv_regions()}), page sizes ({@code pgsize_bitmap}), and the capabilities
 * iommufd checks at bind and attach: cache-coherent DMA ({@code IOMMU_CAP_CACHE_COHERENCY}, which bind
 * requires), enforcing it on a domain ({@code IOMMU_CAP_ENFORCE_CACHE_COHERENCY}: Intel's Snoop Control,
 * what VFIO_DMA_CC_IOMMU and KVM's non-coherent DMA tracking look at), and MSI isolation
 * ({@code IOMMU_CAP_INTR_REMAP} / {@code msi_device_has_isolated_msi()}). See
 * {@code drivers/iommu/iommufd/device.c} and {@code intel_iommu_capable()}.
 *
 * <p>{@code requiresKvm} is the driver fact KERNEL.md §12 lists with these: the device can only be
 * opened by a process whose file was added to a KVM-VFIO device first.
 *
 * <p>Invariants: the page size bitmap is not empty; the regions are an immutable list.
 */
public record IommuFacts(IovaRange aperture, List<ReservedRegion> reservedRegions, long pageSizeBitmap,
                         boolean cacheCoherent, boolean msiIsolated, boolean requiresKvm, boolean enforceCacheCoherency) {
    /** 4 KiB, 2 MiB and 1 GiB pages, as x86-64 second-level tables offer. */
    public static final long X86_PAGE_SIZES = (1L << 12) | (1L << 21) | (1L << 30);

    /**
     * A typical x86 IOMMU: 48-bit aperture, the MSI window reserved, x86 page sizes, coherent, isolated,
     * no KVM needed (KERNEL.md, "Decisions for vfleet").
     */
    public static final IommuFacts DEFAULTS = new IommuFacts(new IovaRange(0, (1L << 48) - 1),
            List.of(ReservedRegion.X86_MSI), X86_PAGE_SIZES, true, true, false);

    /** Facts whose IOMMU enforces coherency exactly when the device's DMA is coherent, the usual case. */
    public IommuFacts(IovaRange aperture, List<ReservedRegion> reservedRegions, long pageSizeBitmap, boolean cacheCoherent,
            boolean msiIsolated, boolean requiresKvm) {
        this(aperture, reservedRegions, pageSizeBitmap, cacheCoherent, msiIsolated, requiresKvm, cacheCoherent);
    }

    public IommuFacts {
        Objects.requireNonNull(aperture, "aperture");
        // Nothing can enforce the coherency of DMA that is not coherent.
        enforceCacheCoherency = enforceCacheCoherency && cacheCoherent;
        reservedRegions = List.copyOf(reservedRegions);
        if (pageSizeBitmap == 0) {
            throw new TopologyException("pageSizes", "an IOMMU supports at least one page size");
        }
    }

    /** The smallest IOMMU page: the IOVA alignment iommufd reports ({@code out_iova_alignment}). */
    public long smallestPageSize() {
        return Long.lowestOneBit(pageSizeBitmap);
    }

    public IommuFacts withAperture(IovaRange newAperture) {
        return new IommuFacts(newAperture, reservedRegions, pageSizeBitmap, cacheCoherent, msiIsolated, requiresKvm,
                enforceCacheCoherency);
    }

    public IommuFacts withReservedRegions(List<ReservedRegion> regions) {
        return new IommuFacts(aperture, regions, pageSizeBitmap, cacheCoherent, msiIsolated, requiresKvm, enforceCacheCoherency);
    }

    public IommuFacts withPageSizeBitmap(long bitmap) {
        return new IommuFacts(aperture, reservedRegions, bitmap, cacheCoherent, msiIsolated, requiresKvm, enforceCacheCoherency);
    }

    /** Coherent DMA, and an IOMMU that enforces it exactly when it is coherent. */
    public IommuFacts withCacheCoherent(boolean coherent) {
        return new IommuFacts(aperture, reservedRegions, pageSizeBitmap, coherent, msiIsolated, requiresKvm, coherent);
    }

    public IommuFacts withEnforceCacheCoherency(boolean enforce) {
        return new IommuFacts(aperture, reservedRegions, pageSizeBitmap, cacheCoherent, msiIsolated, requiresKvm, enforce);
    }

    public IommuFacts withMsiIsolated(boolean isolated) {
        return new IommuFacts(aperture, reservedRegions, pageSizeBitmap, cacheCoherent, isolated, requiresKvm, enforceCacheCoherency);
    }

    public IommuFacts withRequiresKvm(boolean kvm) {
        return new IommuFacts(aperture, reservedRegions, pageSizeBitmap, cacheCoherent, msiIsolated, kvm, enforceCacheCoherency);
    }
}
