package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A kernel user of an IOAS without DMA hardware ({@code struct iommufd_access}, device.c): an
 * emulated (mdev-like) device's driver, or [v11] a noiommu device. Its object ID is the devid.
 *
 * <p>The simulated driver pins IOVA ranges to read guest memory and, like every well-behaved mdev
 * driver, drops the pins inside a range when the IOAS tells it that range is being unmapped. A
 * noiommu access never attaches to an IOAS. The driver holds a user, so IOMMU_DESTROY of the devid
 * is EBUSY; the object goes at unbind. Guarded by the host lock.
 */
public final class IommufdAccess extends IommufdObject implements IoptAccess {
    /** A pin the simulated driver holds: {@code [iova, iova + length)}. */
    public record Pin(long iova, long length, boolean write) {
        IovaRange range() {
            return IovaRange.ofLength(iova, length);
        }
    }

    private final IommufdContext context;
    private final String name;
    private final boolean noiommu;
    private final List<Pin> pins = new ArrayList<>();
    private Ioas ioas;

    IommufdAccess(IommufdContext context, String name, boolean noiommu) {
        this.context = context;
        this.name = name;
        this.noiommu = noiommu;
    }

    @Override
    public Type type() {
        return Type.ACCESS;
    }

    public String name() {
        return name;
    }

    public boolean isNoiommu() {
        return noiommu;
    }

    public IommufdContext context() {
        return context;
    }

    /** The attached IOAS, or null. */
    public Ioas ioas() {
        return ioas;
    }

    public List<Pin> pins() {
        return List.copyOf(pins);
    }

    /** iommufd_access_attach: {@code ioasId} must be an IOAS (anything else ENOENT). */
    public void attach(int ioasId) {
        Ioas target = context.objects().get(ioasId, Ioas.class);
        if (ioas != null) {
            throw new AssertionError("access " + name + " attached twice; vfio refuses (v11) or replaces (6.6) first");
        }
        target.iopt().addAccess(this);
        target.addUser();
        ioas = target;
    }

    /** iommufd_access_replace [6.6]: not attached → ENOENT; the same IOAS is a no-op. */
    public void replace(int ioasId) {
        Ioas target = context.objects().get(ioasId, Ioas.class);
        if (ioas == null) {
            throw new AssertionError("replace of access " + name + ", which is not attached; vfio attaches instead");
        }
        if (target == ioas) {
            return;
        }
        target.iopt().addAccess(this);
        target.addUser();
        detach();
        ioas = target;
    }

    /** iommufd_access_detach: the driver drops every pin, then the access leaves the IOAS. */
    public void detach() {
        if (ioas == null) {
            return;
        }
        Ioas old = ioas;
        old.iopt().removeAccess(this);
        ioas = null;
        old.removeUser();
    }

    /** iommufd_access_pin_pages, as the simulated driver calls it. */
    public void pin(long iova, long length, boolean write) {
        if (ioas == null) {
            throw Errno.ENOENT.exception("access " + name + " is not attached to an IOAS");
        }
        ioas.iopt().pinPages(this, iova, length, write);
        pins.add(new Pin(iova, length, write));
    }

    /** iommufd_access_unpin_pages of one earlier pin. */
    public void unpin(long iova, long length) {
        for (Iterator<Pin> it = pins.iterator(); it.hasNext(); ) {
            Pin pin = it.next();
            if (pin.iova() == iova && pin.length() == length) {
                ioas.iopt().unpinPages(this, iova, length);
                it.remove();
                return;
            }
        }
        throw Errno.EINVAL.exception("access " + name + " holds no pin at 0x" + Long.toHexString(iova) + " +" + length);
    }

    /** The driver's dma_unmap callback: drop every pin that touches {@code range}. */
    @Override
    public void unmapNotify(IovaRange range) {
        for (Iterator<Pin> it = pins.iterator(); it.hasNext(); ) {
            Pin pin = it.next();
            if (pin.range().intersects(range)) {
                ioas.iopt().unpinPages(this, pin.iova(), pin.length());
                it.remove();
            }
        }
    }

    @Override
    void destroy() {
        detach();
    }
}
