package io.vfleet.agent.kernel;

import io.vfleet.agent.state.SnapshotFile;
import io.vfleet.engine.Host;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.vfio.VfioDevice;
import io.vfleet.engine.vfio.VfioDeviceFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's host simulated by the engine: every system call any caller makes goes through here, so that a call that
 * may have changed state is counted for the host's {@link SnapshotFile}.
 *
 * <p>Locking: a call passes its process's gate first ({@link ProcessGates}, see {@link #exclusively}); then
 * the host's own lock serialises the calls, and the snapshot file takes it again only to encode the host.
 * So gRPC threads calling concurrently see the kernel's one-call-at-a-time order, and a snapshot is
 * always of a state between two calls. Lock order: gate, then the host's lock.
 */
public final class AgentHost implements HostKernel {
    private static final Logger log = LoggerFactory.getLogger(AgentHost.class);

    private final Host host;
    private final SnapshotFile snapshot;
    private final ProcessGates gates = new ProcessGates();

    private AgentHost(Host host, SnapshotFile snapshot) {
        this.host = host;
        this.snapshot = snapshot;
    }

    /**
     * The host saved in {@code stateDirectory} by the last run, or a fresh boot of {@code topology}
     * when none was saved; either is written at once, so the file always holds the host being run.
     * {@code snapshotDelay} bounds how long a {@link #saveWithinDelay()} may wait.
     */
    public static AgentHost start(HostTopology topology, Path stateDirectory, Duration snapshotDelay) {
        Host host = SnapshotFile.restore(stateDirectory).orElse(null);
        if (host == null) {
            host = Host.boot(topology);
        } else if (!host.topology().equals(topology)) {
            log.warn("The saved kernel state is of a host whose topology differs from the configured one; "
                    + "keeping the saved one, since its devices are the ones the state refers to");
        }
        return new AgentHost(host, SnapshotFile.create(host, stateDirectory, snapshotDelay));
    }

    /**
     * Makes {@code call}; when the host's state changed, even by a refused call (IOMMU_IOAS_UNMAP
     * removes areas before the one it refuses), the next snapshot is due.
     */
    @Override
    public <R> R call(Syscall<R> call) {
        return gates.pass(call, () -> {
            long before = host.changes();
            try {
                return call.applyTo(host);
            } finally {
                if (host.changes() != before) {
                    snapshot.changed();
                }
            }
        });
    }

    @Override
    public <T> T exclusively(int pid, Supplier<T> work) {
        return gates.exclusively(pid, work);
    }

    /** Writes the snapshot now if the host changed since the last one; after a batch whose answer needs it on disk. */
    @Override
    public void save() {
        snapshot.write();
    }

    /** Has the snapshot written within the snapshot delay, at once when the delay is zero. */
    @Override
    public void saveWithinDelay() {
        snapshot.writeWithinDelay();
    }

    /** A consistent read of the host's objects, under the host's lock. */
    public <T> T inspect(Function<Host, T> read) {
        return host.inspect(() -> read.apply(host));
    }

    @Override
    public HostTopology topology() {
        return host.topology();
    }

    @Override
    public List<RegisteredDevice> vfioDevices() {
        return inspect(kernel -> {
            var config = kernel.config();
            return kernel.vfioDevices().stream().map(device -> {
                boolean hasCdev = config.vfioDeviceCdev()
                        && (device.kind() != VfioDevice.Kind.NOIOMMU || config.profile().noiommuCdev());
                return new RegisteredDevice(device.name(), device.kind(), device.cdevName(),
                        hasCdev ? "/dev/vfio/devices/" + device.cdevName() : "",
                        device.group() == null ? "" : "/dev/vfio/" + device.group().nodeName(), device.deviceSet().key(),
                        device.openCount() > 0);
            }).toList();
        });
    }

    @Override
    public List<Integer> vfioDeviceFiles(int pid) {
        return inspect(kernel -> kernel.process(pid).files().openDescriptors().stream()
                .filter(fd -> kernel.process(pid).files().get(fd) instanceof VfioDeviceFile).toList());
    }

    @Override
    public Map<Integer, String> processes() {
        return inspect(kernel -> {
            Map<Integer, String> names = new LinkedHashMap<>();
            for (int pid : kernel.pids()) {
                names.put(pid, kernel.process(pid).spec().name());
            }
            return names;
        });
    }

    /** Writes the last snapshot: what was answered before shutdown is what the next start restores. */
    @Override
    public void close() {
        snapshot.close();
    }
}
