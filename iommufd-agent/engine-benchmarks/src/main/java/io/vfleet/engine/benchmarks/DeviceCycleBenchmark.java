package io.vfleet.engine.benchmarks;

import io.vfleet.engine.Host;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import io.vfleet.engine.uapi.Ioctl.IommuIoasAlloc;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceAttachIommufdPt;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceBindIommufd;
import io.vfleet.engine.uapi.Ioctl.VfioDeviceDetachIommufdPt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The VMM's device lifecycle through the whole engine: open the cdev, BIND to an iommufd, ATTACH to
 * an IOAS (creating the auto HWPT and claiming the group), DETACH and close (unbind, release the
 * group, reset the device), one cycle per benchmark operation. The baseline in the same run is five
 * {@link TreeMap} put+remove pairs on a small map, about the bookkeeping a cycle does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DeviceCycleBenchmark {
    private static final String HOST = """
            hostname: bench
            devices:
              - {bdf: 0000:00:01.0, id: {vendor: 0x8086, device: 0xa70d, class: 0x060400}, driver: pcieport, iommuGroup: 1, reset: {secondaryBusReset: true, slotReset: true}}
              - {bdf: 0000:01:00.0, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: 10, upstreamBridge: 0000:00:01.0, reset: {functionReset: true}}
            """;

    private Host host;
    private int pid;
    private int iommufd;
    private int ioas;
    private final TreeMap<Long, Long> baseline = new TreeMap<>();
    private long key;

    @Setup
    public void boot() {
        host = Host.boot(TopologyLoader.parse(HOST, "bench"));
        pid = host.spawn(new ProcessSpec("vmm", 1000, Set.of(), 1L << 30));
        iommufd = host.open(pid, "/dev/iommu", 2);
        ioas = host.ioctl(pid, iommufd, IommuIoasAlloc.of()).outIoasId();
        for (long seed = 0; seed < 64; seed++) {
            baseline.put(seed * 7919, seed);
        }
    }

    @Benchmark
    public int openBindAttachDetachClose() {
        int device = host.open(pid, "/dev/vfio/devices/vfio0", 2);
        host.ioctl(pid, device, VfioDeviceBindIommufd.of(iommufd));
        int hwpt = host.ioctl(pid, device, VfioDeviceAttachIommufdPt.of(ioas)).ptId();
        host.ioctl(pid, device, VfioDeviceDetachIommufdPt.of());
        host.close(pid, device);
        return hwpt;
    }

    @Benchmark
    public long treeMapBaseline() {
        long sum = 0;
        for (int pair = 0; pair < 5; pair++) {
            long next = (key++ * 0x9E3779B97F4A7C15L) & 0xFFFF;
            baseline.put(next, next);
            sum += baseline.remove(next);
        }
        return sum;
    }
}
