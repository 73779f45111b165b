package io.vfleet.agent.state;

import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.ProcessGates;
import io.vfleet.agent.kernel.RegisteredDevice;
import io.vfleet.agent.kernel.Syscall;
import io.vfleet.engine.Host;
import io.vfleet.engine.snapshot.HostSnapshot;
import io.vfleet.engine.snapshot.JournalReplay;
import io.vfleet.engine.snapshot.SnapshotException;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.vfio.VfioDevice;
import io.vfleet.engine.vfio.VfioDeviceFile;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's host simulated by the engine, kept in the agent's {@link StateJournal}. Every system
 * call any caller makes goes through here; the host hands each change it makes to the journal as it
 * makes it, and the journal's base holds the host's snapshot. Durability is not waited for here: an
 * answer waits for it once, when it is sent (see {@code DurableReplies}), so that a node operation
 * made of many calls pays for one sync, not one per call.
 *
 * <p>Locking: a call passes its process's gate first ({@link ProcessGates}, see {@link #exclusively});
 * then the host's own lock serialises the calls (the journal appends a change under it). A base is
 * taken under the host's lock too, so it is always of a state between two calls, and gRPC threads
 * calling concurrently see the kernel's one-call-at-a-time order. Lock order: gate, then the host's lock.
 */
public final class AgentHost implements HostKernel, StateJournal.KernelSnapshots {
    private static final Logger log = LoggerFactory.getLogger(AgentHost.class);

    private final Host host;
    private final ProcessGates gates = new ProcessGates();

    private AgentHost(Host host) {
        this.host = host;
    }

    /**
     * The host the journal holds, or a fresh boot of {@code topology} when it holds none, from now on
     * recorded in it. A saved host that does not replay as recorded is a {@link StateException} that
     * names where: starting on a fresh host instead would silently drop every device it had bound.
     */
    public static AgentHost start(HostTopology topology, StateJournal journal) {
        StateJournal.RecoveredKernel recovered = journal.takeRecoveredKernel();
        Host host;
        if (recovered.base() == null) {
            host = Host.boot(topology);
        } else {
            try {
                host = recovered.base().restore();
            } catch (SnapshotException diverged) {
                throw new StateException(recovered.baseFile() + ": " + diverged.getMessage(), diverged);
            }
            if (!host.topology().equals(topology)) {
                log.warn("The saved kernel state is of a host whose topology differs from the configured one; "
                        + "keeping the saved one, since its devices are the ones the state refers to");
            }
        }
        for (StateJournal.RecordedChange change : recovered.changes()) {
            try {
                JournalReplay.rerun(host, change.entry());
            } catch (SnapshotException diverged) {
                throw new StateException(change.where() + ": " + diverged.getMessage(), diverged);
            }
        }
        host.recordChangesTo(journal::recordKernelChange);
        AgentHost agentHost = new AgentHost(host);
        journal.attachKernel(agentHost);
        return agentHost;
    }

    /**
     * Makes {@code call}, in its process's gate. What it changed, even a refused call (IOMMU_IOAS_UNMAP
     * removes areas before the one it refuses), is recorded in the journal before this returns, and
     * durable once the journal's {@code awaitDurable} returns.
     */
    @Override
    public <R> R call(Syscall<R> call) {
        return gates.pass(call, () -> call.applyTo(host));
    }

    @Override
    public <T> T exclusively(int pid, Supplier<T> work) {
        return gates.exclusively(pid, work);
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

    @Override
    public <T> T whileQuiet(Function<HostSnapshot, T> capture) {
        return host.inspect(() -> capture.apply(HostSnapshot.of(host)));
    }

    /**
     * Holds nothing of its own to release: every change is in the journal already, and whoever opened
     * the journal closes it after the kernel, which makes what is pending durable.
     */
    @Override
    public void close() {
    }
}
