package io.vfleet.engine.demo;

import io.vfleet.engine.Host;
import io.vfleet.engine.KernelException;
import io.vfleet.engine.process.AddressSpace;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.IommuIoasIovaRanges;
import io.vfleet.engine.uapi.Ioctl.IommuIoasMap;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceGetPciHotResetInfo;
import io.vfleet.engine.uapi.Ioctl.VfioDevicePciHotReset;
import io.vfleet.engine.vfio.VfioDevice;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * Boots a simulated host from a topology file and walks one device the way a VMM does: open the
 * cdev, bind it to an iommufd, attach it to an IOAS, map guest memory, hot reset it through the
 * bound iommufd, and close it again, printing every system call and what the kernel answered.
 *
 * <p>Usage: {@code java -jar engine-demo.jar [topology.yaml] [BDF]}; the defaults are the
 * 8-GPU server and its first vfio device.
 */
public final class EngineDemo {
    private static final long GUEST_RAM = 64L << 20;
    private static final int O_RDWR = 2;

    private final Host host;
    private final PrintStream out;

    private EngineDemo(Host host, PrintStream out) {
        this.host = host;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        Path topologyFile = Path.of(args.length > 0 ? args[0] : "deploy/topologies/gpu-server-8x.yaml");
        HostTopology topology = TopologyLoader.load(topologyFile);
        Host host = Host.boot(topology);
        String bdf = args.length > 1 ? args[1] : firstPhysicalDevice(host);
        try {
            new EngineDemo(host, System.out).walk(bdf);
        } catch (KernelException e) {
            System.err.println("the kernel refused: " + e.getMessage());
            System.exit(1);
        }
    }

    private static String firstPhysicalDevice(Host host) {
        return host.vfioDevices().stream()
                .filter(device -> device.kind() == VfioDevice.Kind.PHYSICAL)
                .findFirst()
                .map(VfioDevice::name)
                .orElseThrow(() -> new IllegalArgumentException("the topology has no vfio-pci device with an IOMMU group"));
    }

    /** The walk, one line per system call. */
    void walk(String bdf) {
        VfioDevice device = host.vfioDevice(bdf);
        out.printf("host %s booted: kernel %s, %d vfio devices, %d vfio groups%n", host.topology().hostname(),
                host.config().profile().label(), host.vfioDevices().size(), host.vfioGroups().size());
        out.printf("device %s is /dev/vfio/devices/%s, IOMMU group %s, reset set %s%n", bdf, device.cdevName(),
                device.iommuGroup() == null ? "none" : device.iommuGroup().id(), device.deviceSet().key());

        int pid = host.spawn(new ProcessSpec("qemu-system-x86_64", 107, Set.of(), 1L << 30));
        step("spawn(qemu-system-x86_64, uid 107, RLIMIT_MEMLOCK 1 GiB)", "pid " + pid);
        int iommufd = host.open(pid, "/dev/iommu", O_RDWR);
        step("open(/dev/iommu)", "fd " + iommufd);
        int ioas = host.ioctl(pid, iommufd, IommuIoasAlloc.of()).outIoasId();
        step("IOMMU_IOAS_ALLOC", "ioas " + ioas);
        long ram = host.mmap(pid, GUEST_RAM, AddressSpace.PROT_READ | AddressSpace.PROT_WRITE);
        step("mmap(64 MiB guest RAM)", "0x" + Long.toHexString(ram));

        int deviceFd = host.open(pid, "/dev/vfio/devices/" + device.cdevName(), O_RDWR);
        step("open(/dev/vfio/devices/" + device.cdevName() + ")", "fd " + deviceFd + " (no access until BIND)");
        int devid = host.ioctl(pid, deviceFd, VfioDeviceBindIommufd.of(iommufd)).outDevid();
        step("VFIO_DEVICE_BIND_IOMMUFD(iommufd " + iommufd + ")", "devid " + devid + "; IOMMU group DMA now owned by this context");
        int hwpt = host.ioctl(pid, deviceFd, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        step("VFIO_DEVICE_ATTACH_IOMMUFD_PT(ioas " + ioas + ")", "attached to auto HWPT " + hwpt);
        List<?> ranges = host.ioctl(pid, iommufd, IommuIoasIovaRanges.of(ioas, 16)).allowedIovas();
        step("IOMMU_IOAS_IOVA_RANGES(ioas " + ioas + ")", ranges.toString());
        long iova = host.ioctl(pid, iommufd, IommuIoasMap.of(
                IommuIoasMap.FIXED_IOVA | IommuIoasMap.READABLE | IommuIoasMap.WRITEABLE, ioas, ram, GUEST_RAM, 0)).iova();
        step("IOMMU_IOAS_MAP(guest RAM at IOVA 0x" + Long.toHexString(iova) + ")",
                "pinned, uid 107 has " + host.lockedPagesByUser().get(107) + " pages locked");

        var info = host.ioctl(pid, deviceFd, VfioDeviceGetPciHotResetInfo.withRoomFor(16));
        step("VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", info.count() + " affected function(s), flags 0x"
                + Integer.toHexString(info.flags()) + ", devids " + info.devices().stream().map(e -> e.groupIdOrDevid()).toList());
        host.ioctl(pid, deviceFd, VfioDevicePciHotReset.of(List.of()));
        step("VFIO_DEVICE_PCI_HOT_RESET(no group fds: ownership proven by the bound iommufd)", "reset " + device.resets() + " time(s)");

        host.ioctl(pid, deviceFd, VfioDeviceDetachIommufdPt.of());
        step("VFIO_DEVICE_DETACH_IOMMUFD_PT", "DMA blocked again; the auto HWPT is gone");
        host.close(pid, deviceFd);
        step("close(" + deviceFd + ")", "unbound; the device was reset on release (" + device.resets() + " resets so far)");
        host.close(pid, iommufd);
        step("close(" + iommufd + ")", "context torn down, uid 107 has " + host.lockedPagesByUser().get(107) + " pages locked");
        host.exit(pid);
        step("exit(" + pid + ")", "the group is viable again: " + (device.iommuGroup() == null || device.iommuGroup().isViable()));
    }

    private void step(String call, String result) {
        out.printf("  %-74s -> %s%n", call, result);
    }
}
