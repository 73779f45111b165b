package io.vfleet.engine.iommufd;

import java.util.ArrayList;
import java.util.List;

/**
 * An I/O address space ({@code struct iommufd_ioas}, ioas.c): an {@link IoPagetable} plus the
 * automatically created HWPTs that mirror it, in creation order, which is the order an attach by
 * IOAS id tries them in. Every HWPT_PAGING and every attached access holds a user of the IOAS.
 * Guarded by the host lock.
 */
public final class Ioas extends IommufdObject {
    private final IoPagetable iopt = new IoPagetable();
    private final List<HwptPaging> autoHwpts = new ArrayList<>();

    @Override
    public Type type() {
        return Type.IOAS;
    }

    public IoPagetable iopt() {
        return iopt;
    }

    /** The auto HWPTs of this IOAS, oldest first. */
    public List<HwptPaging> autoHwpts() {
        return List.copyOf(autoHwpts);
    }

    void addAutoHwpt(HwptPaging hwpt) {
        autoHwpts.add(hwpt);
    }

    void removeAutoHwpt(HwptPaging hwpt) {
        autoHwpts.remove(hwpt);
    }

    /** iommufd_ioas_destroy: every area goes; HWPTs and accesses are already gone (they held users). */
    @Override
    void destroy() {
        iopt.unmapAll();
    }
}
