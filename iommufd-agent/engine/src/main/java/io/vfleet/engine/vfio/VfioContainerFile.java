package io.vfleet.engine.vfio;

import io.vfleet.engine.Errno;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.Done;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioGetApiVersion;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioIommuUnmapDma;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;

/**
 * An open legacy container, {@code /dev/vfio/vfio} with VFIO_CONTAINER=y (vfio_fops, container.c).
 * Its groups keep it alive after the fd is closed. Guarded by the host lock.
 */
public final class VfioContainerFile extends KernelFile {
    private final VfioContainer container;

    public VfioContainerFile(VfioContainer container) {
        this.container = container;
    }

    public VfioContainer container() {
        return container;
    }

    @Override
    public String kind() {
        return "vfio-container";
    }

    @Override
    public Object ioctl(Process caller, Ioctl<?> request) {
        return switch (request) {
            case VfioGetApiVersion version -> new VfioGetApiVersion.Reply(VfioGetApiVersion.VFIO_API_VERSION);
            case VfioCheckExtension check -> new VfioCheckExtension.Reply(container.checkExtension(check.extension()));
            case VfioSetIommu set -> {
                container.setIommu(set.type(), caller);
                yield Done.INSTANCE;
            }
            case VfioIommuMapDma map -> {
                container.mapDma(map, caller);
                yield Done.INSTANCE;
            }
            case VfioIommuUnmapDma unmap -> new VfioIommuUnmapDma.Reply(container.unmapDma(unmap));
            default -> unknown(request);
        };
    }

    /** Unrecognised commands go to the backend, which answers ENOTTY; with no backend yet they are EINVAL. */
    private Object unknown(Ioctl<?> request) {
        if (container.backend() == null) {
            throw Errno.EINVAL.exception(request.getClass().getSimpleName() + " on a container without an IOMMU backend");
        }
        return notTty(this, request);
    }

    /** The groups hold the container, not the fd: closing it changes nothing for them. */
    @Override
    protected void release() {
    }
}
