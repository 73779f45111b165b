package io.vfleet.engine.vfio;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.iommufd.IommufdFile;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.uapi.Ioctl;
import io.vfleet.engine.uapi.Ioctl.Done;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetStatus;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioGroupUnsetContainer;
import java.nio.charset.StandardCharsets;

/**
 * The open file of a vfio group node (vfio_group_fops, group.c) and its ioctls (KERNEL.md §5).
 * Guarded by the host lock.
 */
public final class VfioGroupFile extends KernelFile {
    /** GET_DEVICE_FD reads the name with strndup_user(arg, PAGE_SIZE): name and NUL fit in one page. */
    static final int MAX_DEVICE_NAME_WITH_NUL = 4096;

    private final VfioGroup group;

    VfioGroupFile(VfioGroup group) {
        this.group = group;
    }

    public VfioGroup group() {
        return group;
    }

    @Override
    public String kind() {
        return "vfio-group";
    }

    @Override
    public Object ioctl(Process caller, Ioctl<?> request) {
        return switch (request) {
            case VfioGroupGetStatus status -> getStatus(status);
            case VfioGroupSetContainer set -> setContainer(caller, set.fd());
            case VfioGroupUnsetContainer unset -> {
                group.unsetContainer();
                yield Done.INSTANCE;
            }
            case VfioGroupGetDeviceFd get -> getDeviceFd(caller, get.name());
            default -> notTty(this, request);
        };
    }

    private VfioGroupGetStatus.Reply getStatus(VfioGroupGetStatus request) {
        if (request.argsz() < VfioGroupGetStatus.SIZE) {
            throw Errno.EINVAL.exception("argsz " + request.argsz() + " < " + VfioGroupGetStatus.SIZE);
        }
        return new VfioGroupGetStatus.Reply(group.status());
    }

    private Done setContainer(Process caller, int fd) {
        KernelFile file = caller.files().get(fd);
        switch (file) {
            case VfioContainerFile container -> group.setContainer(container.container(), caller);
            case IommufdFile iommufd -> group.setIommufd(iommufd.context());
            default -> {
                if (group.container() != null || group.iommufd() != null) {
                    throw Errno.EINVAL.exception("group " + group.nodeName() + " already has a container or iommufd");
                }
                throw Errno.EBADFD.exception("fd " + fd + " is a " + file.kind() + " file, not a container or iommufd");
            }
        }
        return Done.INSTANCE;
    }

    private VfioGroupGetDeviceFd.Reply getDeviceFd(Process caller, String name) {
        if (name == null || name.getBytes(StandardCharsets.UTF_8).length + 1 > MAX_DEVICE_NAME_WITH_NUL) {
            throw Errno.EINVAL.exception("device name missing, or with its NUL longer than " + MAX_DEVICE_NAME_WITH_NUL + " bytes");
        }
        VfioDevice device = group.deviceNamed(name);
        if (group.container() == null && group.iommufd() == null) {
            throw VfioGroup.noContainer(group);
        }
        device.openForGroup(caller);
        VfioDeviceFile file = VfioDeviceFile.forGroup(device, group);
        try {
            int fd = caller.files().install(file);
            return new VfioGroupGetDeviceFd.Reply(fd);
        } catch (KernelException e) {
            file.put();
            throw e;
        }
    }

    @Override
    protected void release() {
        group.fileReleased();
    }
}
