package io.vfleet.engine;

import io.vfleet.engine.iommufd.IommufdContext;
import io.vfleet.engine.iommufd.IommufdFile;
import io.vfleet.engine.kvm.KvmFiles;
import io.vfleet.engine.process.KernelFile;
import io.vfleet.engine.process.Process;
import io.vfleet.engine.vfio.DeviceRegistry;
import io.vfleet.engine.vfio.VfioContainer;
import io.vfleet.engine.vfio.VfioContainerFile;
import io.vfleet.engine.vfio.VfioDevice;
import io.vfleet.engine.vfio.VfioDeviceFile;
import io.vfleet.engine.vfio.VfioGroup;

/**
 * The device nodes under {@code /dev} that this host's kernel creates, and what opening each one
 * makes (KERNEL.md §1): {@code /dev/iommu}, {@code /dev/vfio/vfio} (legacy container or compat
 * iommufd), {@code /dev/vfio/<group>} and {@code /dev/vfio/noiommu-<group>}, the device cdevs
 * {@code /dev/vfio/devices/vfioN} ([v11] also {@code noiommu-vfioN}), and {@code /dev/kvm}; {@code /dev/iommu}
 * only with CONFIG_IOMMUFD. A path
 * the configuration does not create is ENOENT. Guarded by the host lock.
 */
final class DeviceNodes {
    private static final String VFIO = "/dev/vfio/";
    private static final String DEVICES = "/dev/vfio/devices/";

    private final KernelConfig config;
    private final DeviceRegistry devices;
    private int nextVmId = 1;

    DeviceNodes(KernelConfig config, DeviceRegistry devices) {
        this.config = config;
        this.devices = devices;
    }

    /** The number the next KVM_CREATE_VM gives its VM: VM ids outlive the processes that made them. */
    int nextVmId() {
        return nextVmId;
    }

    void restoreNextVmId(int vmId) {
        nextVmId = vmId;
    }

    KernelFile open(Process caller, String path) {
        if (path == null || path.isEmpty()) {
            throw Errno.ENOENT.exception("empty path");
        }
        FaultInjection.point("struct file for " + path);
        if (path.equals("/dev/iommu") && config.iommufd()) {
            return new IommufdFile(new IommufdContext(false), config.unsafeNoiommuMode(), config.profile());
        }
        if (path.equals("/dev/kvm")) {
            return new KvmFiles.System(() -> nextVmId++);
        }
        if (path.equals(VFIO + "vfio")) {
            return openContainer(path);
        }
        if (path.startsWith(DEVICES)) {
            return openCdev(path.substring(DEVICES.length()), path);
        }
        if (path.startsWith(VFIO) && config.vfioGroup()) {
            VfioGroup group = devices.groupByNode(path.substring(VFIO.length()));
            if (group != null) {
                return group.open(caller);
            }
        }
        throw noSuchNode(path);
    }

    private KernelFile openContainer(String path) {
        if (config.vfioContainer()) {
            return new VfioContainerFile(new VfioContainer(config.unsafeNoiommuMode()));
        }
        if (config.iommufdVfioContainer()) {
            return new IommufdFile(new IommufdContext(true), config.unsafeNoiommuMode(), config.profile());
        }
        throw noSuchNode(path);
    }

    private KernelFile openCdev(String name, String path) {
        if (!config.vfioDeviceCdev()) {
            throw noSuchNode(path);
        }
        String prefix = name.startsWith("noiommu-vfio") ? "noiommu-vfio" : "vfio";
        if (!name.startsWith(prefix)) {
            throw noSuchNode(path);
        }
        int index;
        try {
            index = Integer.parseInt(name.substring(prefix.length()));
        } catch (NumberFormatException e) {
            throw noSuchNode(path);
        }
        VfioDevice device = devices.byIndex(index);
        if (device == null || !device.cdevName().equals(name)) {
            throw noSuchNode(path);
        }
        if (device.kind() == VfioDevice.Kind.NOIOMMU && !config.profile().noiommuCdev()) {
            throw noSuchNode(path);
        }
        return VfioDeviceFile.forCdev(device, config);
    }

    private static KernelException noSuchNode(String path) {
        return Errno.ENOENT.exception(path + " does not exist on this host");
    }
}
