package io.vfleet.agent.kernel;

import io.vfleet.agent.state.StateException;
import io.vfleet.agent.state.StateJournal;
import io.vfleet.engine.Host;
import io.vfleet.engine.snapshot.HostSnapshot;
import io.vfleet.engine.snapshot.JournalReplay;
import io.vfleet.engine.snapshot.SnapshotException;
import io.vfleet.engine.topology.HostTopology;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one simulated host: the engine, kept in the agent's {@link StateJournal}. Every system
 * call any caller makes goes through here; the host hands each change it makes to the journal as it
 * makes it, and the journal's base holds the host's snapshot. Durability is not waited for here: an
 * answer waits for it once, when it is sent (see {@code DurableReplies}), so that a node operation
 * made of many calls pays for one sync, not one per call.
 *
 * <p>Locking: the host's own lock serialises the calls (the journal appends a change under it); a
 * base is taken under it too, so it is always of a state between two calls. So gRPC threads calling
 * concurrently see the kernel's one-call-at-a-time order. Before it, a call made in a process takes
 * that process's gate shared, and a node operation that must be alone with a process for several
 * calls (a set reset opening, binding and closing fenced members in a VMM process) holds the gate
 * exclusively ({@link #exclusively}): no caller's system call on that process runs in between, so
 * nobody but the operation ever sees the files it opens there. Lock order: gate, then the host's lock.
 */
public final class AgentHost implements StateJournal.KernelSnapshots {
    private static final Logger log = LoggerFactory.getLogger(AgentHost.class);

    private final Host host;
    /** One per process that calls were made in; removed when it exits, as pids are not given out again. */
    private final Map<Integer, ReentrantReadWriteLock> gates = new ConcurrentHashMap<>();

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
     * Makes {@code call}, in its process's gate (see {@link #exclusively}). What it changed, even a
     * refused call (IOMMU_IOAS_UNMAP removes areas before the one it refuses), is recorded in the
     * journal before this returns, and durable once the journal's {@code awaitDurable} returns.
     */
    public <R> R call(Syscall<R> call) {
        Lock gate = call.pid() == Syscall.NO_PROCESS ? null : gate(call.pid()).readLock();
        if (gate != null) {
            gate.lock();
        }
        try {
            R result = call.applyTo(host);
            if (call instanceof Syscall.Exit exited) {
                gates.remove(exited.pid());
            }
            return result;
        } finally {
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

    /** A consistent read of the host's objects, under the host's lock. */
    public <T> T inspect(Function<Host, T> read) {
        return host.inspect(() -> read.apply(host));
    }

    public HostTopology topology() {
        return host.topology();
    }

    @Override
    public <T> T whileQuiet(Function<HostSnapshot, T> capture) {
        return host.inspect(() -> capture.apply(HostSnapshot.of(host)));
    }
}
