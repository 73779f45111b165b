package io.vfleet.engine.iommufd;

import static io.vfleet.engine.TestProcess.fails;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.Errno;
import io.vfleet.engine.Host;
import io.vfleet.engine.TestHosts;
import io.vfleet.engine.TestProcess;
import io.vfleet.engine.uapi.Ioctl.IommuHwptAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import org.junit.jupiter.api.Test;

/**
 * What a device's IOMMU can do decides whether it may bind and which page tables it may share
 * (KERNEL.md §4.3.1, §8.1): coherency, MSI isolation, and the IOMMU instance behind it.
 */
class IommufdDeviceFactsTest {
    /** Three devices: 01:00.0 ordinary, 01:00.1 behind a 40-bit IOMMU, 01:00.2 with the facts under test. */
    private static Host host(String profile, String oddFacts) {
        return TestHosts.boot("""
                hostname: facts
                kernel: {profile: %s}
                devices:
                  - {bdf: 0000:00:01.0, id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}, driver: pcieport, iommuGroup: 1, reset: {secondaryBusReset: true}}
                  - {bdf: 0000:01:00.0, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: 10, upstreamBridge: 0000:00:01.0}
                  - bdf: 0000:01:00.1
                    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                    driver: vfio-pci
                    iommuGroup: 11
                    upstreamBridge: 0000:00:01.0
                    iommu: {aperture: {start: 0, last: 0xffffffffff}}
                  - bdf: 0000:01:00.2
                    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                    driver: vfio-pci
                    iommuGroup: 12
                    upstreamBridge: 0000:00:01.0
                    iommu: %s
                """.formatted(profile, oddFacts));
    }

    @Test
    void aDeviceWhoseIommuCannotEnforceCoherencyDoesNotBind() {
        TestProcess vmm = TestProcess.spawn(host("v11", "{cacheCoherent: false}"));
        int iommufd = vmm.open("/dev/iommu");
        int device = vmm.open("/dev/vfio/devices/vfio2");
        fails(Errno.EINVAL, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
        assertThat(vmm.host().vfioDevices().get(2).iommuGroup().isViable()).isTrue();
    }

    @Test
    void aDeviceWithoutMsiIsolationDoesNotBindWhileUnsafeInterruptsAreOff() {
        TestProcess vmm = TestProcess.spawn(host("v11", "{msiIsolated: false}"));
        int iommufd = vmm.open("/dev/iommu");
        int device = vmm.open("/dev/vfio/devices/vfio2");
        fails(Errno.EPERM, () -> vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd)));
        assertThat(vmm.host().vfioDevices().get(2).iommuGroup().isViable()).isTrue();
    }

    @Test
    void aDeviceBehindAnotherIommuGetsItsOwnAutoHwptInTheSameIoas() {
        TestProcess vmm = TestProcess.spawn(host("v11", "{}"));
        int iommufd = vmm.open("/dev/iommu");
        int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        int first = bound(vmm, iommufd, 0);
        int narrow = bound(vmm, iommufd, 1);
        int third = bound(vmm, iommufd, 2);
        int firstHwpt = vmm.ioctl(first, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        int narrowHwpt = vmm.ioctl(narrow, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        int thirdHwpt = vmm.ioctl(third, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        assertThat(narrowHwpt).isNotEqualTo(firstHwpt);
        assertThat(thirdHwpt).as("the first compatible auto HWPT is reused").isEqualTo(firstHwpt);
    }

    @Test
    void replacingOntoAPageTableOfAnotherIommuIsEinvalAndLeavesTheAttachment() {
        TestProcess vmm = TestProcess.spawn(host("linux-6.6", "{}"));
        int iommufd = vmm.open("/dev/iommu");
        int ioas = vmm.ioctl(iommufd, IommuIoasAlloc.of()).outIoasId();
        int first = bound(vmm, iommufd, 0);
        int narrow = bound(vmm, iommufd, 1);
        int wide = vmm.ioctl(first, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        int narrowHwpt = vmm.ioctl(narrow, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        int manual = vmm.ioctl(iommufd, IommuHwptAlloc.of(devid(vmm, 0), ioas)).outHwptId();
        fails(Errno.EINVAL, () -> vmm.ioctl(narrow, VfioDeviceAttachIommufdPt.of(wide)));
        fails(Errno.EINVAL, () -> vmm.ioctl(narrow, VfioDeviceAttachIommufdPt.of(manual)));
        assertThat(vmm.host().vfioDevices().get(1).iommufdDevice().hwpt().id()).isEqualTo(narrowHwpt);
    }

    private static int bound(TestProcess vmm, int iommufd, int index) {
        int device = vmm.open("/dev/vfio/devices/vfio" + index);
        vmm.ioctl(device, VfioDeviceBindIommufd.of(iommufd));
        return device;
    }

    private static int devid(TestProcess vmm, int index) {
        return vmm.host().vfioDevices().get(index).devid();
    }
}
