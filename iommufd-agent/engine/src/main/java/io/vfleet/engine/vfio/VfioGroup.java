package io.vfleet.engine.vfio;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelConfig;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.iommu.IommuGroup;
import io.vfleet.engine.iommufd.Ioas;
import io.vfleet.engine.iommufd.IommufdContext;
import io.vfleet.engine.kvm.Kvm;
import io.vfleet.engine.process.Process;
import java.util.ArrayList;
import java.util.List;

/**
 * A vfio group ({@code struct vfio_group}, group.c): the {@code /dev/vfio/<id>} node of one IOMMU
 * group with at least one vfio device. Emulated devices get a private fake group each, noiommu
 * devices a private {@code noiommu-<id>} group.
 *
 * <p>The group node opens once at a time ({@code openedFile}), and not while any of its devices is
 * bound through its cdev ({@code cdevDeviceOpenCount}); that pair is the group/cdev exclusion. In
 * container mode each device fd pins the group file through {@code containerUsers}. Guarded by
 * the host lock.
 */
public final class VfioGroup {
    /** enum vfio_group_type. */
    public enum Type { IOMMU, EMULATED, NO_IOMMU }

    private final int id;
    private final Type type;
    private final KernelConfig config;
    private final IommuGroup iommuGroup;
    private final List<VfioDevice> devices = new ArrayList<>();
    private VfioGroupFile openedFile;
    private VfioContainer container;
    private IommufdContext iommufd;
    private int containerUsers;
    private int cdevDeviceOpenCount;
    private Kvm kvm;

    public VfioGroup(int id, Type type, IommuGroup iommuGroup, KernelConfig config) {
        this.id = id;
        this.type = type;
        this.config = config;
        this.iommuGroup = iommuGroup;
    }

    public int id() {
        return id;
    }

    public Type type() {
        return type;
    }

    public KernelConfig config() {
        return config;
    }

    /** The node name under /dev/vfio: the group id, or {@code noiommu-<id>}. */
    public String nodeName() {
        return type == Type.NO_IOMMU ? "noiommu-" + id : Integer.toString(id);
    }

    public IommuGroup iommuGroup() {
        return iommuGroup;
    }

    public List<VfioDevice> devices() {
        return List.copyOf(devices);
    }

    void addDevice(VfioDevice device) {
        devices.add(device);
    }

    public VfioGroupFile openedFile() {
        return openedFile;
    }

    public VfioContainer container() {
        return container;
    }

    public IommufdContext iommufd() {
        return iommufd;
    }

    public int containerUsers() {
        return containerUsers;
    }

    public int cdevDeviceOpenCount() {
        return cdevDeviceOpenCount;
    }

    public Kvm kvm() {
        return kvm;
    }

    /** Set by the KVM-VFIO device when this group's file is added to (or removed from) a VM. */
    public void setKvm(Kvm kvm) {
        this.kvm = kvm;
    }

    /** open(/dev/vfio/N) (KERNEL.md §5.1). */
    public VfioGroupFile open(Process caller) {
        if (devices.isEmpty()) {
            throw new AssertionError("group " + nodeName() + " has no devices; hot unplug is not modelled");
        }
        if (type == Type.NO_IOMMU && !caller.capable(io.vfleet.engine.process.Capability.CAP_SYS_RAWIO)) {
            throw Errno.EPERM.exception("opening noiommu group " + nodeName() + " needs CAP_SYS_RAWIO");
        }
        if (cdevDeviceOpenCount > 0) {
            throw Errno.EBUSY.exception("a device of group " + nodeName() + " is bound through its cdev");
        }
        if (openedFile != null) {
            throw Errno.EBUSY.exception("group " + nodeName() + " is already open");
        }
        openedFile = new VfioGroupFile(this);
        return openedFile;
    }

    /** The cdev BIND's block on the group path: EBUSY while the group file is open. */
    void blockGroupPath() {
        if (openedFile != null) {
            throw Errno.EBUSY.exception("group " + nodeName() + " is open through the group path");
        }
        cdevDeviceOpenCount++;
    }

    void unblockGroupPath() {
        if (cdevDeviceOpenCount <= 0) {
            throw new AssertionError("group " + nodeName() + " unblocked more often than blocked");
        }
        cdevDeviceOpenCount--;
    }

    /** VFIO_GROUP_SET_CONTAINER with a legacy container (KERNEL.md §5.3). */
    void setContainer(VfioContainer target, Process caller) {
        checkNoContainer();
        target.attachGroup(this);
        container = target;
        containerUsers = 1;
    }

    /** VFIO_GROUP_SET_CONTAINER with an iommufd: a compat IOAS for real groups, no-iommu mode otherwise. */
    void setIommufd(IommufdContext context) {
        checkNoContainer();
        if (type == Type.NO_IOMMU) {
            if (context.vfioIoas() != null) {
                throw Errno.EINVAL.exception("context has a compat IOAS; noiommu group " + nodeName() + " cannot join it");
            }
            context.setNoIommuMode(true);
        } else {
            if (context.noIommuMode()) {
                throw Errno.EINVAL.exception("context is in no-iommu mode; group " + nodeName() + " needs an IOAS");
            }
            if (context.vfioIoas() == null) {
                Ioas ioas = context.allocIoas();
                context.setVfioIoas(ioas);
            }
        }
        iommufd = context;
        context.get();
    }

    private void checkNoContainer() {
        if (container != null || iommufd != null) {
            throw Errno.EINVAL.exception("group " + nodeName() + " already has a container or iommufd");
        }
    }

    /** VFIO_GROUP_UNSET_CONTAINER (KERNEL.md §5.4). */
    void unsetContainer() {
        if (container == null && iommufd == null) {
            throw Errno.EINVAL.exception("group " + nodeName() + " has no container");
        }
        if (container != null && containerUsers != 1) {
            throw Errno.EBUSY.exception("group " + nodeName() + " has open device fds using its container");
        }
        detachContainer();
    }

    private void detachContainer() {
        if (container != null) {
            container.detachGroup(this);
            container = null;
            containerUsers = 0;
        }
        if (iommufd != null) {
            IommufdContext context = iommufd;
            iommufd = null;
            context.put();
        }
    }

    /** VFIO_GROUP_GET_STATUS flags. */
    int status() {
        if (container != null || iommufd != null) {
            return io.vfleet.engine.uapi.Ioctl.VfioGroupGetStatus.FLAGS_VIABLE
                    | io.vfleet.engine.uapi.Ioctl.VfioGroupGetStatus.FLAGS_CONTAINER_SET;
        }
        boolean viable = iommuGroup == null || iommuGroup.isViable();
        return viable ? io.vfleet.engine.uapi.Ioctl.VfioGroupGetStatus.FLAGS_VIABLE : 0;
    }

    /** First open of a device in container mode: the device fd pins the group file. */
    void useContainer() {
        container.checkUsable(this);
        containerUsers++;
        openedFile.get();
    }

    void unuseContainer() {
        containerUsers--;
        openedFile.put();
    }

    /** Release of the group file: leave the container or iommufd, let the cdev path in again. */
    void fileReleased() {
        detachContainer();
        openedFile = null;
    }

    /** Names that GET_DEVICE_FD matches. */
    VfioDevice deviceNamed(String name) {
        for (VfioDevice device : devices) {
            if (device.name().equals(name)) {
                return device;
            }
        }
        throw Errno.ENODEV.exception("group " + nodeName() + " has no device named '" + name + "'");
    }

    static KernelException noContainer(VfioGroup group) {
        return Errno.EINVAL.exception("group " + group.nodeName() + " has no container or iommufd set");
    }
}
