package io.vfleet.agent.kernel;

import io.vfleet.agent.state.StateStore;
import io.vfleet.engine.Host;
import io.vfleet.engine.topology.HostTopology;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one host: every system call any caller makes goes through here, so that the calls
 * that change state are remembered, in the order the host executed them, until the next
 * {@link #save()} hands them to the {@link StateStore}.
 *
 * <p>Locking: {@link #lock} is taken around each call and around each save, and the host's own lock
 * inside it; nothing takes them in the other order. Holding it across the call and the recording is
 * what keeps the recorded order the execution order when gRPC threads call concurrently.
 */
public final class AgentHost {
    private static final Logger log = LoggerFactory.getLogger(AgentHost.class);

    private final ReentrantLock lock = new ReentrantLock();
    private final Host host;
    private final StateStore store;
    private final List<Syscall<?>> unsaved = new ArrayList<>();

    private AgentHost(Host host, StateStore store) {
        this.host = host;
        this.store = store;
    }

    /**
     * The host {@code store} kept from the last run, or a fresh boot of {@code topology} when it kept
     * none; a fresh host is saved at once, so that its topology is the one a restart restores.
     */
    public static AgentHost start(HostTopology topology, StateStore store) {
        var restored = store.restore();
        if (restored.isPresent()) {
            Host host = restored.get();
            if (!host.topology().equals(topology)) {
                log.warn("The saved kernel state is of a host whose topology differs from the configured one; "
                        + "keeping the saved one, since its devices are the ones the state refers to");
            }
            return new AgentHost(host, store);
        }
        AgentHost agentHost = new AgentHost(Host.boot(topology), store);
        agentHost.save();
        return agentHost;
    }

    /** Makes {@code call}; remembered for the next save when it may change state, even when it fails. */
    public <R> R call(Syscall<R> call) {
        lock.lock();
        try {
            try {
                return call.applyTo(host);
            } finally {
                // A refused call can still have changed state (IOMMU_IOAS_UNMAP removes the areas
                // before the one it refuses), so refused calls are recorded too.
                if (call.changesState()) {
                    unsaved.add(call);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** Hands the calls made since the last save to the store; called after each batch and at shutdown. */
    public void save() {
        lock.lock();
        try {
            store.save(host, List.copyOf(unsaved));
            unsaved.clear();
        } finally {
            lock.unlock();
        }
    }

    /** A consistent read of the host's objects, under both locks. */
    public <T> T inspect(Function<Host, T> read) {
        lock.lock();
        try {
            return host.inspect(() -> read.apply(host));
        } finally {
            lock.unlock();
        }
    }

    public HostTopology topology() {
        return host.topology();
    }
}
