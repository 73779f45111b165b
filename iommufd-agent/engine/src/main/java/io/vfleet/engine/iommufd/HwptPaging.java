package io.vfleet.engine.iommufd;

/**
 * A paging HWPT ({@code struct iommufd_hwpt_paging}): one IOMMU domain linked to one IOAS, whose
 * areas are all mirrored into it.
 *
 * <p>An <em>auto</em> HWPT is made by the kernel when a device attaches by IOAS id, is reused by
 * later compatible attaches, and disappears when its last device detaches. A <em>manual</em> one
 * comes from IOMMU_HWPT_ALLOC and lives until IOMMU_DESTROY. Either way the HWPT holds a user of
 * its IOAS, and each attached device holds a user of the HWPT. Guarded by the host lock.
 */
public final class HwptPaging extends HwPagetable {
    private final Ioas ioas;
    private final IommuDomain domain;
    private final boolean auto;

    HwptPaging(Ioas ioas, IommuDomain domain, boolean auto) {
        this.ioas = ioas;
        this.domain = domain;
        this.auto = auto;
    }

    @Override
    public Type type() {
        return Type.HWPT_PAGING;
    }

    public Ioas ioas() {
        return ioas;
    }

    public IommuDomain domain() {
        return domain;
    }

    public boolean isAuto() {
        return auto;
    }

    /** iommufd_hwpt_paging_destroy: the domain leaves the IOAS (unpinning if it was the last). */
    @Override
    void destroy() {
        if (auto) {
            ioas.removeAutoHwpt(this);
        }
        ioas.iopt().removeDomain(domain);
        ioas.removeUser();
    }
}
