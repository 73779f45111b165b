package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.uapi.Ioctl.Done;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuVfioIoas;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioIommuUnmapDma;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;

/**
 * The VFIO container API served by an iommufd (vfio_compat.c, KERNEL.md §6.2): what lets a VMM
 * written for {@code /dev/vfio/vfio} run on iommufd. Its DMA map goes to the context's compat
 * IOAS with fixed-IOVA semantics. Guarded by the host lock.
 */
final class VfioCompat {
    private VfioCompat() {
    }

    /** IOMMU_VFIO_IOAS: get, set or clear the compat IOAS. */
    static IommuVfioIoas.Reply vfioIoas(IommufdContext context, IommuVfioIoas request) {
        IoasIoctls.checkSize(request.size(), IommuVfioIoas.SIZE, "IOMMU_VFIO_IOAS");
        if (request.reserved() != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_VFIO_IOAS __reserved is " + request.reserved());
        }
        return switch (request.op()) {
            case IommuVfioIoas.OP_GET -> new IommuVfioIoas.Reply(compatIoas(context).id());
            case IommuVfioIoas.OP_SET -> {
                Ioas ioas = context.objects().get(request.ioasId(), Ioas.class);
                context.setVfioIoas(ioas);
                yield new IommuVfioIoas.Reply(ioas.id());
            }
            case IommuVfioIoas.OP_CLEAR -> {
                context.setVfioIoas(null);
                yield new IommuVfioIoas.Reply(0);
            }
            default -> throw Errno.EOPNOTSUPP.exception("unknown IOMMU_VFIO_IOAS op " + request.op());
        };
    }

    /** VFIO_CHECK_EXTENSION on an iommufd. */
    static VfioCheckExtension.Reply checkExtension(IommufdContext context, VfioCheckExtension request, boolean noiommuBuiltIn) {
        int supported = switch (request.extension()) {
            case VfioCheckExtension.TYPE1_IOMMU, VfioCheckExtension.TYPE1V2_IOMMU, VfioCheckExtension.UNMAP_ALL -> 1;
            case VfioCheckExtension.NOIOMMU_IOMMU -> noiommuBuiltIn ? 1 : 0;
            case VfioCheckExtension.DMA_CC_IOMMU -> compatIoas(context).autoHwpts().stream()
                    .allMatch(hwpt -> hwpt.domain().enforceCacheCoherency()) ? 1 : 0;
            default -> 0;
        };
        return new VfioCheckExtension.Reply(supported);
    }

    /** VFIO_SET_IOMMU on an iommufd. */
    static Done setIommu(IommufdContext context, VfioSetIommu request) {
        if (request.type() == VfioCheckExtension.NOIOMMU_IOMMU && context.noIommuMode()) {
            // CAP_SYS_RAWIO was checked when the noiommu group was opened; capabilities are fixed at spawn.
            return Done.INSTANCE;
        }
        if ((request.type() != VfioCheckExtension.TYPE1_IOMMU && request.type() != VfioCheckExtension.TYPE1V2_IOMMU)
                || context.noIommuMode()) {
            throw Errno.EINVAL.exception("iommufd serves only TYPE1 and TYPE1v2, and not in no-iommu mode");
        }
        Ioas ioas = compatIoas(context);
        if (request.type() == VfioCheckExtension.TYPE1_IOMMU) {
            ioas.iopt().setHugePages(false);
        }
        return Done.INSTANCE;
    }

    /** VFIO_IOMMU_MAP_DMA on an iommufd: an IOAS map at a fixed IOVA. */
    static Done mapDma(IommufdContext context, Process caller, VfioIommuMapDma request) {
        int known = VfioIommuMapDma.FLAG_READ | VfioIommuMapDma.FLAG_WRITE;
        if (request.argsz() < VfioIommuMapDma.SIZE || (request.flags() & ~known) != 0) {
            throw Errno.EINVAL.exception("MAP_DMA argsz " + request.argsz() + " or flags 0x" + Integer.toHexString(request.flags()));
        }
        Ioas ioas = compatIoas(context);
        int flags = IommuIoasMap.FIXED_IOVA;
        if ((request.flags() & VfioIommuMapDma.FLAG_READ) != 0) {
            flags |= IommuIoasMap.READABLE;
        }
        if ((request.flags() & VfioIommuMapDma.FLAG_WRITE) != 0) {
            flags |= IommuIoasMap.WRITEABLE;
        }
        if ((flags & (IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE)) == 0) {
            throw Errno.EINVAL.exception("MAP_DMA needs READ or WRITE");
        }
        IoptPages pages = new IoptPages(caller.memory(), request.vaddr(), request.size(),
                caller.pinAccount(context.mmAccounting()));
        ioas.iopt().map(pages, request.iova(), flags);
        return Done.INSTANCE;
    }

    /**
     * VFIO_IOMMU_UNMAP_DMA on an iommufd. An empty range is ENOENT up to 6.6; {@code profile} 6.12 has
     * "iommufd: Make vfio_compat's unmap succeed if the range is already empty" (vfio_compat.c,
     * iommufd_vfio_unmap_dma no longer turns 0 bytes into ENOENT), which the lab's 6.12.118 answers.
     */
    static VfioIommuUnmapDma.Reply unmapDma(IommufdContext context, VfioIommuUnmapDma request, KernelProfile profile) {
        if (request.argsz() < VfioIommuUnmapDma.SIZE || (request.flags() & ~VfioIommuUnmapDma.FLAG_ALL) != 0) {
            throw Errno.EINVAL.exception("UNMAP_DMA argsz " + request.argsz() + " or flags 0x" + Integer.toHexString(request.flags()));
        }
        Ioas ioas = compatIoas(context);
        if ((request.flags() & VfioIommuUnmapDma.FLAG_ALL) != 0) {
            if (request.iova() != 0 || request.size() != 0) {
                throw Errno.EINVAL.exception("UNMAP_DMA with FLAG_ALL needs iova and size 0");
            }
            return new VfioIommuUnmapDma.Reply(ioas.iopt().unmapAll());
        }
        if (request.size() == 0) {
            throw Errno.EINVAL.exception("UNMAP_DMA size 0");
        }
        if (Long.compareUnsigned(request.iova() + request.size() - 1, request.iova()) < 0) {
            throw Errno.EOVERFLOW.exception("UNMAP_DMA range overflows");
        }
        return new VfioIommuUnmapDma.Reply(profile.compatUnmapOfNothingSucceeds()
                ? ioas.iopt().unmapAllowingNothing(request.iova(), request.size())
                : ioas.iopt().unmap(request.iova(), request.size()));
    }

    /** The compat IOAS, or ENODEV when no group has given the context one. */
    private static Ioas compatIoas(IommufdContext context) {
        Ioas ioas = context.vfioIoas();
        if (ioas == null) {
            throw Errno.ENODEV.exception("the context has no compat IOAS (no group set to it)");
        }
        return ioas;
    }
}
