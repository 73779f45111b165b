package io.vfleet.agent.kernel;

import io.vfleet.engine.topology.HostTopology;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The kernel the agent serves, behind one seam: the engine's model of a host ({@code state.AgentHost},
 * which keeps its state across restarts in the agent's journal) or the real kernel of the host the agent runs
 * on ({@link LinuxHost}). The gRPC services and the node operations see only this.
 *
 * <p>{@link #call} is every system call a caller makes. Durability is not the kernel's business: the
 * engine's host records each change in the agent's {@code StateJournal} as it makes it, a real kernel
 * keeps its own state, and an answer waits for the journal once, when it is sent ({@code DurableReplies}).
 *
 * <p>Both backends pass every call through its process's gate ({@link ProcessGates}) before their own
 * locks, so that {@link #exclusively} means the same on either.
 */
public interface HostKernel extends AutoCloseable {

    /** Makes {@code call}; a refusal is a {@code KernelException} with the kernel's errno. */
    <R> R call(Syscall<R> call);

    /**
     * Runs {@code work} alone with process {@code pid}: system calls others make in it wait until it is
     * done, while the ones {@code work} makes itself (on this thread) go ahead. For a node operation that
     * needs several calls in a caller's process with nobody else's in between.
     */
    <T> T exclusively(int pid, Supplier<T> work);

    /** The host's PCI functions, IOMMU groups, reset facts and kernel configuration. */
    HostTopology topology();

    /** The vfio devices registered now, in registration order, with their device nodes. */
    List<RegisteredDevice> vfioDevices();

    /** The fds of process {@code pid} that are vfio device files (a cdev or a group's device fd), ascending. */
    List<Integer> vfioDeviceFiles(int pid);

    /** The running processes by pid, with their names. */
    Map<Integer, String> processes();

    @Override
    void close();
}
