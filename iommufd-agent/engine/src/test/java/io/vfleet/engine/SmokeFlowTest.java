package io.vfleet.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.engine.process.AddressSpace;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SmokeFlowTest {
    @Test
    void deviceWalksFromOpenToCloseThroughTheCdev() {
        Host host = Host.boot(TopologyLoader.parse("""
                hostname: smoke
                devices:
                  - bdf: 0000:00:01.0
                    id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}
                    driver: pcieport
                    iommuGroup: 1
                    reset: {secondaryBusReset: true}
                  - bdf: 0000:01:00.0
                    id: {vendor: 0x10de, device: 0x2330, class: 0x030200}
                    driver: vfio-pci
                    iommuGroup: 7
                    upstreamBridge: 0000:00:01.0
                    reset: {functionReset: true}
                """, "smoke"));
        int pid = host.spawn(new ProcessSpec("qemu", 1000, Set.of(Capability.CAP_IPC_LOCK), 1L << 30));
        int iommufd = host.open(pid, "/dev/iommu", 2);
        int ioas = host.ioctl(pid, iommufd, IommuIoasAlloc.of()).outIoasId();
        long memory = host.mmap(pid, 1 << 20, AddressSpace.PROT_READ | AddressSpace.PROT_WRITE);
        long iova = host.ioctl(pid, iommufd, IommuIoasMap.of(IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE,
                ioas, memory, 1 << 20, 0)).iova();
        int device = host.open(pid, "/dev/vfio/devices/vfio0", 2);
        int devid = host.ioctl(pid, device, VfioDeviceBindIommufd.of(iommufd)).outDevid();
        int hwpt = host.ioctl(pid, device, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        assertThat(devid).isEqualTo(2);
        assertThat(hwpt).isEqualTo(3);
        assertThat(iova).isNotZero();
        host.ioctl(pid, device, VfioDeviceDetachIommufdPt.of());
        host.close(pid, device);
        host.close(pid, iommufd);
        host.exit(pid);
        assertThat(host.vfioDevices().getFirst().openCount()).isZero();
    }
}
