package io.vfleet.engine.iommufd;

import io.vfleet.engine.Errno;
import io.vfleet.engine.IovaRange;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.uapi.Ioctl.Done;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAllowIovas;
import io.vfleet.engine.uapi.Ioctl.IommuIoasCopy;
import io.vfleet.engine.uapi.Ioctl.IommuIoasIovaRanges;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.IommuOption;
import java.util.List;

/**
 * The IOAS ioctl handlers (ioas.c): each rejects unknown flags and reserved fields, checks
 * overflow, looks the IOAS up and delegates to its {@link IoPagetable} (KERNEL.md §10). Guarded by
 * the host lock.
 */
final class IoasIoctls {
    static final long U64_MAX = -1L;
    private static final int MAP_FLAGS = IommuIoasMap.FIXED_IOVA | IommuIoasMap.WRITEABLE | IommuIoasMap.READABLE;

    private IoasIoctls() {
    }

    /** The iommufd size rule: a struct shorter than its last mandatory field is EINVAL. */
    static void checkSize(int size, int minimum, String ioctl) {
        if (size < minimum) {
            throw Errno.EINVAL.exception(ioctl + " size " + size + " < " + minimum);
        }
    }

    /** IOMMU_IOAS_ALLOC. */
    static IommuIoasAlloc.Reply alloc(IommufdContext context, IommuIoasAlloc request) {
        checkSize(request.size(), IommuIoasAlloc.SIZE, "IOMMU_IOAS_ALLOC");
        if (request.flags() != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_IOAS_ALLOC flags 0x" + Integer.toHexString(request.flags()));
        }
        return new IommuIoasAlloc.Reply(context.allocIoas().id());
    }

    /** IOMMU_IOAS_MAP (KERNEL.md §10.2 steps 1–4; the page table checks the rest). */
    static IommuIoasMap.Reply map(IommufdContext context, Process caller, IommuIoasMap request) {
        checkSize(request.size(), IommuIoasMap.SIZE, "IOMMU_IOAS_MAP");
        if ((request.flags() & ~MAP_FLAGS) != 0 || request.reserved() != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_IOAS_MAP flags 0x" + Integer.toHexString(request.flags())
                    + " or __reserved " + request.reserved());
        }
        if (request.iova() == U64_MAX || request.length() == U64_MAX) {
            throw Errno.EOVERFLOW.exception("IOMMU_IOAS_MAP iova or length is U64_MAX");
        }
        if ((request.flags() & (IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE)) == 0) {
            throw Errno.EINVAL.exception("IOMMU_IOAS_MAP needs READABLE or WRITEABLE");
        }
        Ioas ioas = context.objects().get(request.ioasId(), Ioas.class);
        IoptPages pages = new IoptPages(caller.memory(), request.userVa(), request.length(),
                caller.pinAccount(context.mmAccounting()));
        long iova = ioas.iopt().map(pages, request.iova(), request.flags());
        return new IommuIoasMap.Reply(iova);
    }

    /** IOMMU_IOAS_COPY (KERNEL.md §10.4). */
    static IommuIoasCopy.Reply copy(IommufdContext context, IommuIoasCopy request) {
        checkSize(request.size(), IommuIoasCopy.SIZE, "IOMMU_IOAS_COPY");
        if ((request.flags() & ~MAP_FLAGS) != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_IOAS_COPY flags 0x" + Integer.toHexString(request.flags()));
        }
        if (request.length() == U64_MAX || request.srcIova() == U64_MAX || request.dstIova() == U64_MAX) {
            throw Errno.EOVERFLOW.exception("IOMMU_IOAS_COPY length or an IOVA is U64_MAX");
        }
        if ((request.flags() & (IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE)) == 0) {
            throw Errno.EINVAL.exception("IOMMU_IOAS_COPY needs READABLE or WRITEABLE");
        }
        Ioas source = context.objects().get(request.srcIoasId(), Ioas.class);
        if (request.length() == 0) {
            throw Errno.EINVAL.exception("IOMMU_IOAS_COPY length 0");
        }
        if (Long.compareUnsigned(request.srcIova() + request.length() - 1, request.srcIova()) < 0) {
            throw Errno.EOVERFLOW.exception("IOMMU_IOAS_COPY source range overflows");
        }
        Ioas destination = context.objects().get(request.dstIoasId(), Ioas.class);
        long iova = destination.iopt().copy(source.iopt(), request.srcIova(), request.length(), request.dstIova(), request.flags());
        return new IommuIoasCopy.Reply(iova);
    }

    /** IOMMU_IOAS_UNMAP (KERNEL.md §10.5). */
    static IommuIoasUnmap.Reply unmap(IommufdContext context, IommuIoasUnmap request) {
        checkSize(request.size(), IommuIoasUnmap.SIZE, "IOMMU_IOAS_UNMAP");
        Ioas ioas = context.objects().get(request.ioasId(), Ioas.class);
        if (request.iova() == 0 && request.length() == U64_MAX) {
            return new IommuIoasUnmap.Reply(ioas.iopt().unmapAll());
        }
        if (request.iova() == U64_MAX || request.length() == U64_MAX) {
            throw Errno.EOVERFLOW.exception("IOMMU_IOAS_UNMAP iova or length is U64_MAX");
        }
        if (request.length() == 0) {
            throw Errno.EINVAL.exception("IOMMU_IOAS_UNMAP length 0");
        }
        if (Long.compareUnsigned(request.iova() + request.length() - 1, request.iova()) < 0) {
            throw Errno.EOVERFLOW.exception("IOMMU_IOAS_UNMAP range overflows");
        }
        return new IommuIoasUnmap.Reply(ioas.iopt().unmap(request.iova(), request.length()));
    }

    /** IOMMU_IOAS_IOVA_RANGES (KERNEL.md §10.6): EMSGSIZE still reports what fits. */
    static IommuIoasIovaRanges.Reply iovaRanges(IommufdContext context, IommuIoasIovaRanges request) {
        checkSize(request.size(), IommuIoasIovaRanges.SIZE, "IOMMU_IOAS_IOVA_RANGES");
        if (request.reserved() != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_IOAS_IOVA_RANGES __reserved is " + request.reserved());
        }
        Ioas ioas = context.objects().get(request.ioasId(), Ioas.class);
        List<IovaRange> ranges = ioas.iopt().iovaRanges();
        long capacity = Integer.toUnsignedLong(request.numIovas());
        List<IovaRange> written = ranges.size() <= capacity ? ranges : ranges.subList(0, (int) capacity);
        IommuIoasIovaRanges.Reply reply = new IommuIoasIovaRanges.Reply(ranges.size(), List.copyOf(written),
                ioas.iopt().iovaAlignment());
        if (ranges.size() > capacity) {
            throw new KernelException(Errno.EMSGSIZE, ranges.size() + " ranges, room for " + capacity, reply);
        }
        return reply;
    }

    /** IOMMU_IOAS_ALLOW_IOVAS (KERNEL.md §10.7). */
    static Done allowIovas(IommufdContext context, IommuIoasAllowIovas request) {
        checkSize(request.size(), IommuIoasAllowIovas.SIZE, "IOMMU_IOAS_ALLOW_IOVAS");
        if (request.reserved() != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_IOAS_ALLOW_IOVAS __reserved is " + request.reserved());
        }
        Ioas ioas = context.objects().get(request.ioasId(), Ioas.class);
        ioas.iopt().setAllowedIovas(request.allowedIovas());
        return Done.INSTANCE;
    }

    /** IOMMU_OPTION (KERNEL.md §10.8). */
    static IommuOption.Reply option(IommufdContext context, Process caller, IommuOption request) {
        checkSize(request.size(), IommuOption.SIZE, "IOMMU_OPTION");
        if (request.reserved() != 0) {
            throw Errno.EOPNOTSUPP.exception("IOMMU_OPTION __reserved is " + request.reserved());
        }
        return switch (request.optionId()) {
            case IommuOption.RLIMIT_MODE -> rlimitMode(context, caller, request);
            case IommuOption.HUGE_PAGES -> hugePages(context, request);
            default -> throw Errno.EOPNOTSUPP.exception("unknown IOMMU_OPTION " + request.optionId());
        };
    }

    private static IommuOption.Reply rlimitMode(IommufdContext context, Process caller, IommuOption request) {
        if (request.objectId() != 0) {
            throw Errno.EOPNOTSUPP.exception("RLIMIT_MODE is context-wide; object_id must be 0");
        }
        return switch (request.op()) {
            case IommuOption.OP_GET -> new IommuOption.Reply(context.mmAccounting() ? 1 : 0);
            case IommuOption.OP_SET -> {
                if (!caller.capable(Capability.CAP_SYS_RESOURCE)) {
                    throw Errno.EPERM.exception("setting RLIMIT_MODE needs CAP_SYS_RESOURCE");
                }
                if (!context.objects().isEmpty()) {
                    throw Errno.EBUSY.exception("the accounting mode can only change on an empty context");
                }
                if (request.val64() != 0 && request.val64() != 1) {
                    throw Errno.EINVAL.exception("RLIMIT_MODE value " + request.val64() + " is neither 0 nor 1");
                }
                context.setMmAccounting(request.val64() == 1);
                yield new IommuOption.Reply(request.val64());
            }
            default -> throw Errno.EOPNOTSUPP.exception("unknown IOMMU_OPTION op " + request.op());
        };
    }

    private static IommuOption.Reply hugePages(IommufdContext context, IommuOption request) {
        // The IOAS is looked up before the op is read, so an unknown op on a bad ID is ENOENT.
        Ioas ioas = context.objects().get(request.objectId(), Ioas.class);
        if (request.op() != IommuOption.OP_GET && request.op() != IommuOption.OP_SET) {
            throw Errno.EOPNOTSUPP.exception("unknown IOMMU_OPTION op " + request.op());
        }
        if (request.op() == IommuOption.OP_GET) {
            return new IommuOption.Reply(ioas.iopt().hugePages() ? 1 : 0);
        }
        if (request.val64() != 0 && request.val64() != 1) {
            throw Errno.EINVAL.exception("HUGE_PAGES value " + request.val64() + " is neither 0 nor 1");
        }
        ioas.iopt().setHugePages(request.val64() == 1);
        return new IommuOption.Reply(request.val64());
    }
}
