package io.vfleet.linux;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import io.vfleet.linux.LibC.SystemCallFailed;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Set;

/**
 * Makes a system call with a process's credentials: its real uid, its effective capabilities and its
 * RLIMIT_MEMLOCK, which is what vfio and iommufd look at (pinned pages are charged to the real uid's
 * {@code user_struct} against RLIMIT_MEMLOCK unless CAP_IPC_LOCK; noiommu wants CAP_SYS_RAWIO;
 * IOMMU_OPTION RLIMIT_MODE wants CAP_SYS_RESOURCE).
 *
 * <p>Credentials belong to a thread in Linux, so the calling thread takes the process's for the length of
 * one call and gives them back after: {@code setresuid(uid, 0, 0)} through the raw system call (glibc's
 * wrapper would change every thread of the agent), then {@code capset} with the process's capabilities
 * as the effective set and the agent's permitted set kept, so that the thread can take its own back.
 * The effective uid stays 0, so device nodes owned by root open as they do for the agent, as when a
 * privileged manager opens them and hands the files to the VMM. RLIMIT_MEMLOCK is the whole agent's;
 * calls are serialised by the caller, so no other call sees it.
 *
 * <p>An agent that cannot change credentials (not root) makes every call with its own, and one without
 * CAP_SYS_RESOURCE cannot give a process more RLIMIT_MEMLOCK than its own hard limit; it says either
 * once at start.
 */
final class Credentials {
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final long RLIM_INFINITY = -1L;
    private static final int CAP_IPC_LOCK = 14, CAP_SYS_RAWIO = 17, CAP_SYS_RESOURCE = 24;
    private static final int CAP_SETUID = 7, CAP_SETPCAP = 8;

    private final long[] agentCapabilities;
    private final long[] agentMemlock;
    private final boolean switching;
    private final boolean raisesMemlock;

    private Credentials(long[] agentCapabilities, long[] agentMemlock, boolean switching, boolean raisesMemlock) {
        this.agentCapabilities = agentCapabilities;
        this.agentMemlock = agentMemlock;
        this.switching = switching;
        this.raisesMemlock = raisesMemlock;
    }

    /** The agent's own credentials, read once; they are what every call returns to. */
    static Credentials ofAgent() {
        try {
            long[] capabilities = capget();
            long effective = capabilities[0];
            boolean canSwitch = (effective & bit(CAP_SETUID)) != 0 && (effective & bit(CAP_SETPCAP)) != 0;
            boolean canRaise = (effective & bit(CAP_SYS_RESOURCE)) != 0;
            return new Credentials(capabilities, LibC.getrlimit(LibC.RLIMIT_MEMLOCK), canSwitch, canRaise);
        } catch (SystemCallFailed failed) {
            throw new IllegalStateException("cannot read the agent's credentials: " + failed.getMessage(), failed);
        }
    }

    /** Whether calls run with each process's credentials, or all with the agent's. */
    boolean switching() {
        return switching;
    }

    /**
     * The highest RLIMIT_MEMLOCK a process gets: without CAP_SYS_RESOURCE the agent cannot raise its hard
     * limit, so a process asking for more gets the agent's hard limit; -1 is RLIM_INFINITY.
     */
    long memlockCeiling() {
        return raisesMemlock ? RLIM_INFINITY : agentMemlock[1];
    }

    /** Runs {@code call} on this thread with {@code spec}'s credentials, and restores the agent's after it. */
    <T, E extends Exception> T as(ProcessSpec spec, Call<T, E> call) throws E {
        if (!switching) {
            return call.run();
        }
        try {
            long memlock = spec.memlockLimitBytes() == ProcessSpec.UNLIMITED ? RLIM_INFINITY : spec.memlockLimitBytes();
            if (Long.compareUnsigned(memlock, memlockCeiling()) > 0) {
                memlock = memlockCeiling();
            }
            LibC.setrlimit(LibC.RLIMIT_MEMLOCK, memlock, Long.compareUnsigned(memlock, agentMemlock[1]) > 0 ? memlock : agentMemlock[1]);
            LibC.syscall(LibC.SYS_SETRESUID, spec.uid(), 0, 0);
            capset(mask(spec.capabilities()), agentCapabilities[1], agentCapabilities[2]);
        } catch (SystemCallFailed failed) {
            restore();
            throw new IllegalStateException("cannot take the credentials of " + spec.name() + ": " + failed.getMessage(), failed);
        }
        try {
            return call.run();
        } finally {
            restore();
        }
    }

    /** Capabilities first: taking uid 0 back needs CAP_SETUID, and raising the limit again CAP_SYS_RESOURCE. */
    private void restore() {
        try {
            capset(agentCapabilities[0], agentCapabilities[1], agentCapabilities[2]);
            LibC.syscall(LibC.SYS_SETRESUID, 0, 0, 0);
            LibC.setrlimit(LibC.RLIMIT_MEMLOCK, agentMemlock[0], agentMemlock[1]);
        } catch (SystemCallFailed failed) {
            // A thread left with a tenant's credentials must not serve another call.
            throw new AssertionError("cannot give the agent's credentials back to " + Thread.currentThread(), failed);
        }
    }

    @FunctionalInterface
    interface Call<T, E extends Exception> {
        T run() throws E;
    }

    private static long mask(Set<Capability> capabilities) {
        long mask = 0;
        for (Capability capability : capabilities) {
            mask |= bit(switch (capability) {
                case CAP_SYS_RAWIO -> CAP_SYS_RAWIO;
                case CAP_IPC_LOCK -> CAP_IPC_LOCK;
                case CAP_SYS_RESOURCE -> CAP_SYS_RESOURCE;
            });
        }
        return mask;
    }

    private static long bit(int capability) {
        return 1L << capability;
    }

    /** capget(2) of this thread: {effective, permitted, inheritable}, 64 bits each. */
    private static long[] capget() throws SystemCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = header(arena);
            MemorySegment data = arena.allocate(JAVA_INT, 6);
            LibC.syscall(LibC.SYS_CAPGET, header.address(), data.address(), 0);
            long[] sets = new long[3];
            for (int set = 0; set < 3; set++) {
                sets[set] = Integer.toUnsignedLong(data.getAtIndex(JAVA_INT, set))
                        | Integer.toUnsignedLong(data.getAtIndex(JAVA_INT, 3 + set)) << 32;
            }
            return sets;
        }
    }

    private static void capset(long effective, long permitted, long inheritable) throws SystemCallFailed {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment header = header(arena);
            MemorySegment data = arena.allocate(JAVA_INT, 6);
            long[] sets = {effective, permitted, inheritable};
            for (int set = 0; set < 3; set++) {
                data.setAtIndex(JAVA_INT, set, (int) sets[set]);
                data.setAtIndex(JAVA_INT, 3 + set, (int) (sets[set] >>> 32));
            }
            LibC.syscall(LibC.SYS_CAPSET, header.address(), data.address(), 0);
        }
    }

    /** {@code struct __user_cap_header_struct {version, pid}}; pid 0 is the calling thread. */
    private static MemorySegment header(Arena arena) {
        MemorySegment header = arena.allocate(JAVA_INT, 2);
        header.setAtIndex(JAVA_INT, 0, LINUX_CAPABILITY_VERSION_3);
        header.setAtIndex(JAVA_INT, 1, 0);
        return header;
    }
}
