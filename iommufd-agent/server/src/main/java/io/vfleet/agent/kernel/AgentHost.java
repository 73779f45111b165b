package io.vfleet.agent.kernel;

import io.vfleet.agent.state.SnapshotFile;
import io.vfleet.engine.Host;
import io.vfleet.engine.topology.HostTopology;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one host: every system call any caller makes goes through here, so that a call that
 * may have changed state is counted for the host's {@link SnapshotFile}.
 *
 * <p>Locking: the host's own lock serialises the calls; the snapshot file takes it again only to
 * encode the host. So gRPC threads calling concurrently see the kernel's one-call-at-a-time order,
 * and a snapshot is always of a state between two calls. Before it, a call made in a process takes
 * that process's gate shared, and a node operation that must be alone with a process for several
 * calls (a set reset opening, binding and closing fenced members in a VMM process) holds the gate
 * exclusively ({@link #exclusively}): no caller's system call on that process runs in between, so
 * nobody but the operation ever sees the files it opens there. Lock order: gate, then the host's lock.
 */
public final class AgentHost implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentHost.class);

    private final Host host;
    private final SnapshotFile snapshot;
    /** One per process that calls were made in; removed when it exits, as pids are not given out again. */
    private final Map<Integer, ReentrantReadWriteLock> gates = new ConcurrentHashMap<>();

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
    public <R> R call(Syscall<R> call) {
        Lock gate = call.pid() == Syscall.NO_PROCESS ? null : gate(call.pid()).readLock();
        if (gate != null) {
            gate.lock();
        }
        long before = host.changes();
        try {
            R result = call.applyTo(host);
            if (call instanceof Syscall.Exit exited) {
                gates.remove(exited.pid());
            }
            return result;
        } finally {
            if (host.changes() != before) {
                snapshot.changed();
            }
            if (gate != null) {
                gate.unlock();
            }
        }
    }

    /**
     * Runs {@code work} alone with process {@code pid}: system calls others make in it wait until it is
     * done, while the ones {@code work} makes itself (on this thread) go ahead.
     */
    public <T> T exclusively(int pid, Supplier<T> work) {
        Lock gate = gate(pid).writeLock();
        gate.lock();
        try {
            return work.get();
        } finally {
            gate.unlock();
        }
    }

    private ReentrantReadWriteLock gate(int pid) {
        return gates.computeIfAbsent(pid, ignored -> new ReentrantReadWriteLock());
    }

    /** Writes the snapshot now if the host changed since the last one; after a batch whose answer needs it on disk. */
    public void save() {
        snapshot.write();
    }

    /** Has the snapshot written within the snapshot delay, at once when the delay is zero. */
    public void saveWithinDelay() {
        snapshot.writeWithinDelay();
    }

    /** A consistent read of the host's objects, under the host's lock. */
    public <T> T inspect(Function<Host, T> read) {
        return host.inspect(() -> read.apply(host));
    }

    public HostTopology topology() {
        return host.topology();
    }

    /** Writes the last snapshot: what was answered before shutdown is what the next start restores. */
    @Override
    public void close() {
        snapshot.close();
    }
}
