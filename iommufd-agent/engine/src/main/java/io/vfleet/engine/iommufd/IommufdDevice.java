package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.topology.IommuFacts;
import io.vfleet.engine.topology.ReservedRegion;
import java.util.List;

/**
 * A physical device bound to an iommufd context ({@code struct iommufd_device}, device.c). Its
 * object ID is the devid BIND returns.
 *
 * <p>Binding claimed DMA ownership of the device's IOMMU group for the context. The vfio driver
 * holds an extra user, so IOMMU_DESTROY of a devid is always EBUSY; the object goes at unbind.
 * Attach, replace and detach follow iommufd_device_attach / _replace / _detach: all devices of a
 * group attached in one context share one HWPT, and each device's reserved regions are reserved in
 * its HWPT's IOAS while it is attached. Guarded by the host lock.
 */
public final class IommufdDevice extends IommufdObject {
    private final IommufdContext context;
    private final IommufdGroup igroup;
    private final IommuFacts facts;
    private final String name;
    private HwptPaging hwpt;

    IommufdDevice(IommufdContext context, IommufdGroup igroup, IommuFacts facts, String name) {
        this.context = context;
        this.igroup = igroup;
        this.facts = facts;
        this.name = name;
    }

    @Override
    public Type type() {
        return Type.DEVICE;
    }

    public IommufdContext context() {
        return context;
    }

    public IommufdGroup igroup() {
        return igroup;
    }

    public String name() {
        return name;
    }

    public IommuFacts facts() {
        return facts;
    }

    /** The HWPT this device is attached to, or null. */
    public HwptPaging hwpt() {
        return hwpt;
    }

    public boolean isAttached() {
        return hwpt != null;
    }

    /**
     * iommufd_device_attach: attaches to the HWPT or IOAS named by {@code ptId}; returns the ID of
     * the HWPT actually used.
     */
    public int attach(int ptId) {
        IommufdObject target = context.objects().get(ptId);
        return switch (target) {
            case HwptPaging paging -> {
                attachHwpt(paging);
                yield paging.id();
            }
            case Ioas ioas -> attachAuto(ioas).id();
            case IommufdDevice device -> throw notAPageTable(ptId, device);
            case IommufdAccess access -> throw notAPageTable(ptId, access);
        };
    }

    /**
     * iommufd_device_replace [6.6]: moves the whole group to another page table atomically; the
     * current HWPT is a successful no-op. The caller checked the device is attached.
     */
    public int replace(int ptId) {
        if (hwpt == null) {
            throw new AssertionError("replace of " + name + ", which is not attached; vfio attaches instead");
        }
        IommufdObject target = context.objects().get(ptId);
        HwptPaging next = switch (target) {
            case HwptPaging paging -> paging;
            case Ioas ioas -> findOrCreateAutoForReplace(ioas);
            case IommufdDevice device -> throw notAPageTable(ptId, device);
            case IommufdAccess access -> throw notAPageTable(ptId, access);
        };
        if (next == hwpt) {
            return next.id();
        }
        replaceGroupHwpt(next);
        return next.id();
    }

    /** iommufd_device_detach: a no-op for a device that is not attached. */
    public void detach() {
        if (hwpt == null) {
            return;
        }
        HwptPaging old = hwpt;
        old.ioas().iopt().removeReservations(this);
        igroup.removeAttached(this);
        hwpt = null;
        old.removeUser();
        context.releaseIfUnusedAuto(old);
    }

    /** iommufd_hw_pagetable_attach: group consistency, reserved regions, then the group itself. */
    void attachHwpt(HwptPaging target) {
        if (igroup.hwpt() != null && igroup.hwpt() != target) {
            throw Errno.EINVAL.exception("IOMMU group " + igroup.group().id() + " is attached to HWPT "
                    + igroup.hwpt().id() + " in this context; device " + name + " must join it, not HWPT " + target.id());
        }
        if (!isCompatible(target.domain())) {
            throw Errno.EINVAL.exception("the IOMMU domain of HWPT " + target.id() + " cannot translate for device " + name);
        }
        reserveRegions(target.ioas().iopt());
        igroup.setHwpt(target);
        igroup.addAttached(this);
        hwpt = target;
        target.addUser();
    }

    /**
     * The IOAS-id attach: the first auto HWPT of the IOAS that accepts the device, or a new one. An
     * HWPT that refuses with EINVAL is skipped; any other errno ends the search.
     */
    private HwptPaging attachAuto(Ioas ioas) {
        for (HwptPaging candidate : ioas.autoHwpts()) {
            try {
                attachHwpt(candidate);
                return candidate;
            } catch (KernelException e) {
                if (e.errno() != Errno.EINVAL) {
                    throw e;
                }
            }
        }
        HwptPaging created = context.newHwpt(ioas, domainForThisDevice(), true);
        try {
            attachHwpt(created);
        } catch (KernelException e) {
            context.abortHwpt(created);
            throw e;
        }
        try {
            ioas.iopt().addDomain(created.domain());
        } catch (KernelException e) {
            detachWithoutRelease(created);
            context.abortHwpt(created);
            throw e;
        }
        context.publishHwpt(created);
        return created;
    }

    private HwptPaging findOrCreateAutoForReplace(Ioas ioas) {
        for (HwptPaging candidate : ioas.autoHwpts()) {
            if (candidate == hwpt || isCompatible(candidate.domain())) {
                return candidate;
            }
        }
        HwptPaging created = context.newHwpt(ioas, domainForThisDevice(), true);
        try {
            ioas.iopt().addDomain(created.domain());
        } catch (KernelException e) {
            context.abortHwpt(created);
            throw e;
        }
        context.publishHwpt(created);
        return created;
    }

    /**
     * Moves every attached device of the group from the current HWPT to {@code next}: the new IOAS's
     * reservations are made first (EADDRINUSE leaves everything as it was), the old ones are dropped
     * after success.
     */
    private void replaceGroupHwpt(HwptPaging next) {
        HwptPaging old = hwpt;
        List<IommufdDevice> members = List.copyOf(igroup.attachedView());
        for (IommufdDevice member : members) {
            if (!member.isCompatible(next.domain())) {
                context.releaseIfUnusedAuto(next);
                throw Errno.EINVAL.exception("the IOMMU domain of HWPT " + next.id() + " cannot translate for device " + member.name);
            }
        }
        boolean sameIoas = old.ioas() == next.ioas();
        if (!sameIoas) {
            int reserved = 0;
            try {
                for (IommufdDevice member : members) {
                    member.reserveRegions(next.ioas().iopt());
                    reserved++;
                }
            } catch (KernelException e) {
                for (IommufdDevice member : members.subList(0, reserved)) {
                    next.ioas().iopt().removeReservations(member);
                }
                context.releaseIfUnusedAuto(next);
                throw e;
            }
        }
        igroup.setHwpt(next);
        for (IommufdDevice member : members) {
            if (!sameIoas) {
                old.ioas().iopt().removeReservations(member);
            }
            member.hwpt = next;
            next.addUser();
            old.removeUser();
        }
        context.releaseIfUnusedAuto(old);
    }

    /** Undoes {@link #attachHwpt} for an HWPT that is about to be thrown away. */
    private void detachWithoutRelease(HwptPaging target) {
        target.ioas().iopt().removeReservations(this);
        igroup.removeAttached(this);
        hwpt = null;
        target.removeUser();
    }

    /** iopt_table_enforce_dev_resv_regions: every reserved region but direct-relaxable ones; all or nothing. */
    private void reserveRegions(IoPagetable iopt) {
        try {
            for (ReservedRegion region : facts.reservedRegions()) {
                if (region.type() != ReservedRegion.Type.DIRECT_RELAXABLE) {
                    iopt.reserve(region.range(), this);
                }
            }
        } catch (KernelException e) {
            iopt.removeReservations(this);
            throw e;
        }
    }

    /** A domain made by another IOMMU, or one enforcing coherency this device cannot do, refuses the attach. */
    private boolean isCompatible(IommuDomain domain) {
        return domain.aperture().equals(facts.aperture())
                && domain.pageSizeBitmap() == facts.pageSizeBitmap()
                && (!domain.enforceCacheCoherency() || facts.enforceCacheCoherency());
    }

    IommuDomain domainForThisDevice() {
        IovaRange aperture = facts.aperture();
        return new IommuDomain(aperture, facts.pageSizeBitmap(), facts.enforceCacheCoherency());
    }

    private KernelException notAPageTable(int ptId, IommufdObject object) {
        return Errno.EINVAL.exception("pt_id " + ptId + " is a " + object.type() + ", not an IOAS or HWPT");
    }

    /** Unbind: detach, then leave the table; called by the context with the driver's user dropped. */
    @Override
    void destroy() {
        detach();
    }
}
