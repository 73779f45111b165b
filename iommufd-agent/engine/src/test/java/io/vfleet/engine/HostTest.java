package io.vfleet.engine;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.iommufd.IommufdAccess;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.KvmCreateVm;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import org.junit.jupiter.api.Test;

/** The host's own entry points beside the ioctls: device lookup, /dev/kvm, and the simulated mdev driver's pins. */
class HostTest {
    private final Host host = TestHosts.boot("""
            hostname: host-test
            devices:
              - {bdf: 0000:00:01.0, id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}, driver: pcieport, iommuGroup: 1, reset: {secondaryBusReset: true}}
              - {bdf: 0000:01:00.0, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: 10, upstreamBridge: 0000:00:01.0}
            emulatedDevices:
              - {name: mtty-0, type: mtty}
            """);
    private final TestProcess vmm = TestProcess.spawn(host);

    @Test
    void anUnknownDeviceNameIsEnodev() {
        assertThat(host.vfioDevice("0000:01:00.0").cdevName()).isEqualTo("vfio0");
        fails(Errno.ENODEV, () -> host.vfioDevice("0000:09:00.0"));
    }

    @Test
    void kvmCreatesOnlyTheDefaultVmType() {
        int kvm = vmm.open("/dev/kvm");
        fails(Errno.EINVAL, () -> vmm.ioctl(kvm, new KvmCreateVm(1)));
        assertThat(vmm.ioctl(kvm, new KvmCreateVm(0)).fd()).isEqualTo(kvm + 1);
    }

    @Test
    void theEmulatedDriverPinsOnlyOnceAttachedAndOnlyThroughAnAccess() {
        int iommufd = vmm.open("/dev/iommu");
        int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = vmm.mmap(1 << 16);
        long iova = vmm.ioctl(iommufd, IommuIoasMap.of(IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE, ioas, memory, 1 << 16, 0)).iova();
        int physical = vmm.open("/dev/vfio/devices/vfio0");
        vmm.ioctl(physical, VfioDeviceBindIommufd.of(iommufd));
        int emulated = vmm.open("/dev/vfio/devices/vfio1");
        vmm.ioctl(emulated, VfioDeviceBindIommufd.of(iommufd));
        IommufdAccess.Pin pin = new IommufdAccess.Pin(iova, 4096, true);

        fails(Errno.EINVAL, () -> host.accessPin(vmm.pid(), physical, pin));
        fails(Errno.ENOENT, () -> host.accessPin(vmm.pid(), emulated, pin));
        vmm.ioctl(emulated, VfioDeviceAttachIommufdPt.of(ioas));
        host.accessPin(vmm.pid(), emulated, pin);
        fails(Errno.EINVAL, () -> host.accessUnpin(vmm.pid(), emulated, iova + 4096, 4096));
        assertThat(host.vfioDevice("mtty-0").iommufdAccess().pins()).containsExactly(pin);
        host.accessUnpin(vmm.pid(), emulated, iova, 4096);
        assertThat(host.vfioDevice("mtty-0").iommufdAccess().pins()).isEmpty();
    }
}
