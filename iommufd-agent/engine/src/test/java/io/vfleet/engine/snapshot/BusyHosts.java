package io.vfleet.engine.snapshot;

import static io.vfleet.engine.TestProcess.fails;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.KernelProfile;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.IommuIoasUnmap;
import io.vfleet.engine.uapi.Ioctl.KvmCreateDevice;
import io.vfleet.engine.uapi.Ioctl.KvmCreateVm;
import io.vfleet.engine.uapi.Ioctl.KvmSetDeviceAttr;
import io.vfleet.engine.uapi.Ioctl.VfioCheckExtension;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import io.vfleet.engine.uapi.Ioctl.VfioGroupGetDeviceFd;
import io.vfleet.engine.uapi.Ioctl.VfioGroupSetContainer;
import io.vfleet.engine.uapi.Ioctl.VfioIommuMapDma;
import io.vfleet.engine.uapi.Ioctl.VfioSetIommu;
import java.util.List;
import java.util.Set;

/** A host with a bit of everything a snapshot must carry, for the snapshot tests here and the agent's. */
public final class BusyHosts {
    static final long MIB = 1 << 20;
    static final int READ_WRITE = IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE;

    private BusyHosts() {
    }

    /**
     * Two bridges with bus reset: below the first, two FLR-capable functions sharing a reset set
     * (vfio0, vfio1); below the second, one function for the group path (vfio2); and an emulated
     * mtty (vfio3).
     */
    public static String topology(KernelProfile profile) {
        return """
                hostname: snapshot-host
                kernel: {profile: %s}
                devices:
                  - bdf: 0000:00:01.0
                    id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}
                    driver: pcieport
                    iommuGroup: 1
                    reset: {secondaryBusReset: true}
                  - bdf: 0000:00:02.0
                    id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}
                    driver: pcieport
                    iommuGroup: 2
                    reset: {secondaryBusReset: true}
                  - bdf: 0000:01:00.0
                    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                    driver: vfio-pci
                    iommuGroup: 10
                    upstreamBridge: 0000:00:01.0
                    reset: {functionReset: true}
                  - bdf: 0000:01:00.1
                    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                    driver: vfio-pci
                    iommuGroup: 11
                    upstreamBridge: 0000:00:01.0
                    reset: {functionReset: true}
                  - bdf: 0000:02:00.0
                    id: {vendor: 0x15b3, device: 0x101d, class: 0x020000}
                    driver: vfio-pci
                    iommuGroup: 20
                    upstreamBridge: 0000:00:02.0
                    reset: {functionReset: true}
                emulatedDevices:
                  - {name: mtty-0, type: mtty}
                """.formatted(profile.label());
    }

    /** The fds and IDs of the busy host, for follow-up calls. */
    public record BusyHost(Host host, TestProcess vmm, TestProcess legacy, int iommufd, int ioas, int device0) {
    }

    /**
     * A VMM with a KVM VM, two cdev devices bound and attached to one IOAS with pinned maps, a
     * hot reset of their set, an emulated device holding a pin, and a failed unmap that removed an
     * area anyway; a legacy VMM with a group-path device in a type1 container; and a process that
     * came and went.
     */
    public static BusyHost busyHost(KernelProfile profile) {
        Host host = TestHosts.boot(topology(profile));
        TestProcess gone = TestProcess.spawn(host);
        int goneFd = gone.open("/dev/iommu");
        gone.ioctl(goneFd, IommuIoasAlloc.of());
        gone.exit();

        TestProcess vmm = TestProcess.spawn(host);
        int iommufd = vmm.open("/dev/iommu");
        int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = vmm.mmap(4 * MIB);
        int kvm = vmm.open("/dev/kvm");
        int vm = vmm.ioctl(kvm, new KvmCreateVm(0)).fd();
        int kvmDevice = vmm.ioctl(vm, new KvmCreateDevice(KvmCreateDevice.KVM_DEV_TYPE_VFIO, 0)).fd();
        int device0 = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(kvmDevice, KvmSetDeviceAttr.fileAdd(device0));
        vmm.ioctl(device0, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(device0, VfioDeviceAttachIommufdPt.of(ioas));
        int device1 = vmm.open("/dev/vfio/devices/vfio1");
        vmm.ioctl(device1, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(device1, VfioDeviceAttachIommufdPt.of(ioas));
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas, memory, MIB, 0x100000));
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE, ioas, memory + MIB, 64 * 1024, 0));
        vmm.ioctl(device0, VfioDevicePciHotReset.of(List.of()));
        int mtty = vmm.open("/dev/vfio/devices/vfio3");
        vmm.ioctl(mtty, VfioDeviceBindIommufd.of(iommufd));
        vmm.ioctl(mtty, VfioDeviceAttachIommufdPt.of(ioas));
        host.accessPin(vmm.pid(), mtty, new IommufdAccess.Pin(0x100000, 4096, true));
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas, memory + 2 * MIB, 4096, 0x400000));
        vmm.ioctl(iommufd, IommuIoasMap.of(READ_WRITE | IommuIoasMap.FIXED_IOVA, ioas, memory + 3 * MIB, 8192, 0x401000));
        fails(Errno.ENOENT, () -> vmm.ioctl(iommufd, IommuIoasUnmap.of(ioas, 0x400000, 0x2000)));

        TestProcess legacy = TestProcess.spawn(host, new ProcessSpec("legacy-vmm", 1001, Set.of(), TestProcess.MEMLOCK));
        int container = legacy.open("/dev/vfio/vfio");
        int group = legacy.open("/dev/vfio/20");
        legacy.ioctl(group, new VfioGroupSetContainer(container));
        legacy.ioctl(container, new VfioSetIommu(VfioCheckExtension.TYPE1V2_IOMMU));
        legacy.ioctl(group, new VfioGroupGetDeviceFd("0000:02:00.0"));
        long legacyMemory = legacy.mmap(64 * 1024);
        legacy.ioctl(container, VfioIommuMapDma.of(VfioIommuMapDma.FLAG_READ | VfioIommuMapDma.FLAG_WRITE,
                legacyMemory, 0x10000, 64 * 1024));
        return new BusyHost(host, vmm, legacy, iommufd, ioas, device0);
    }
}
