package io.vfleet.agent.state;

import io.vfleet.agent.kernel.Syscall;
import io.vfleet.engine.Host;
import java.util.List;
import java.util.Optional;

/**
 * Where the host's kernel state lives between two runs of the agent, so that an agent restart is not
 * a host reboot: bound devices stay bound, attachments attached, mappings mapped.
 *
 * <p>A store is given both the host and the state-changing calls made since the last save, so that a
 * store may keep either a snapshot of the host or a journal of calls; each uses what it needs.
 */
public interface StateStore {

    /** The host as the last run left it, or empty when nothing was saved yet. */
    Optional<Host> restore();

    /**
     * Makes the state of {@code host} survive a restart. {@code calls} are the state-changing calls
     * made since the previous save, in the order the host executed them.
     */
    void save(Host host, List<Syscall<?>> calls);
}
