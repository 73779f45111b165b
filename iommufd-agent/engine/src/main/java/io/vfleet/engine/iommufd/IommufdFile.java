package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.Done;
import io.vfleet.engine.uapi.Ioctl.IommuDestroy;
import io.vfleet.engine.uapi.Ioctl.IommuHwptAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAllowIovas;
import io.vfleet.engine.uapi.Ioctl.IommuIoasCopy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasIovaRanges;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.IommuOption;
import io.vfleet.engine.uapi.Ioctl.IommuVfioIoas;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioGetApiVersion;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioIommuUnmapDma;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;

/**
 * An open {@code /dev/iommu} (or, in compat mode, {@code /dev/vfio/vfio}) and its dispatch table
 * ({@code iommufd_ioctl_ops[]} in main.c): IOMMU_* commands go to the object handlers, the VFIO
 * container commands below 0x80 to the compatibility layer. The file is one holder of its
 * context. Guarded by the host lock.
 */
public final class IommufdFile extends KernelFile {
    private final IommufdContext context;
    private final boolean noiommuBuiltIn;
    private final KernelProfile profile;

    /**
     * @param context        the new context this open created
     * @param noiommuBuiltIn whether the kernel has CONFIG_VFIO_NOIOMMU (the compat layer reports it)
     * @param profile        the kernel whose compat layer answers
     */
    public IommufdFile(IommufdContext context, boolean noiommuBuiltIn, KernelProfile profile) {
        this.context = context;
        this.noiommuBuiltIn = noiommuBuiltIn;
        this.profile = profile;
    }

    public IommufdContext context() {
        return context;
    }

    @Override
    public String kind() {
        return "iommufd";
    }

    @Override
    public Object ioctl(Process caller, Ioctl<?> request) {
        return switch (request) {
            case IommuDestroy destroy -> destroy(destroy);
            case IommuIoasAlloc alloc -> IoasIoctls.alloc(context, alloc);
            case IommuIoasAllowIovas allow -> IoasIoctls.allowIovas(context, allow);
            case IommuIoasCopy copy -> IoasIoctls.copy(context, copy);
            case IommuIoasIovaRanges ranges -> IoasIoctls.iovaRanges(context, ranges);
            case IommuIoasMap map -> IoasIoctls.map(context, caller, map);
            case IommuIoasUnmap unmap -> IoasIoctls.unmap(context, unmap);
            case IommuOption option -> IoasIoctls.option(context, caller, option);
            case IommuVfioIoas vfioIoas -> VfioCompat.vfioIoas(context, vfioIoas);
            case IommuHwptAlloc alloc -> hwptAlloc(alloc);
            case VfioGetApiVersion version -> new VfioGetApiVersion.Reply(VfioGetApiVersion.VFIO_API_VERSION);
            case VfioCheckExtension check -> VfioCompat.checkExtension(context, check, noiommuBuiltIn);
            case VfioSetIommu set -> VfioCompat.setIommu(context, set);
            case VfioIommuMapDma map -> VfioCompat.mapDma(context, caller, map);
            case VfioIommuUnmapDma unmap -> VfioCompat.unmapDma(context, unmap, profile);
            default -> notTty(this, request);
        };
    }

    /** IOMMU_DESTROY: EBUSY while anything depends on the object. */
    private Done destroy(IommuDestroy request) {
        IoasIoctls.checkSize(request.size(), IommuDestroy.SIZE, "IOMMU_DESTROY");
        context.destroy(request.id());
        return Done.INSTANCE;
    }

    /** IOMMU_HWPT_ALLOC (KERNEL.md §8.3). */
    private IommuHwptAlloc.Reply hwptAlloc(IommuHwptAlloc request) {
        IoasIoctls.checkSize(request.size(), IommuHwptAlloc.SIZE, "IOMMU_HWPT_ALLOC");
        if (request.reserved() != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_HWPT_ALLOC __reserved is " + request.reserved());
        }
        if (request.flags() != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_HWPT_ALLOC flags 0x" + Integer.toHexString(request.flags()) + " are not supported");
        }
        IommufdDevice device = context.objects().get(request.devId(), IommufdDevice.class);
        if (!(context.objects().find(request.ptId()) instanceof Ioas ioas)) {
            throw Errno.EINVAL.exception("pt_id " + request.ptId() + " is not an IOAS; a paging HWPT needs one");
        }
        return new IommuHwptAlloc.Reply(context.allocHwpt(device, ioas).id());
    }

    /** The file was the context's first holder; bound devices and groups may keep it alive. */
    @Override
    protected void release() {
        context.put();
    }
}
