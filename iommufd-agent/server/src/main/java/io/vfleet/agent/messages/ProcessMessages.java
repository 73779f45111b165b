package io.vfleet.agent.messages;

import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.engine.process.Capability;
import io.vfleet.engine.process.ProcessSpec;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * A process's spec as the {@code Spawn} message of {@code syscalls.proto} says it, both ways. Read
 * from a caller, a missing RLIMIT_MEMLOCK is Linux's default; written for the journal, the limit the
 * process got is always there.
 */
public final class ProcessMessages {
    /** RLIMIT_MEMLOCK a login gets on Linux since 5.16, for a Spawn that names none. */
    public static final long DEFAULT_MEMLOCK_BYTES = 8L << 20;

    private ProcessMessages() {
    }

    /** The spec {@code request} asks for; a field that cannot be said to the kernel is an {@link InvalidMessage}. */
    public static ProcessSpec toEngine(SpawnRequest request) {
        if (request.getName().isBlank()) {
            throw new InvalidMessage("name", "a process needs a name");
        }
        if (request.getUid() < 0) {
            throw new InvalidMessage("uid", Integer.toUnsignedString(request.getUid()) + " is above 2^31-1");
        }
        long memlock = DEFAULT_MEMLOCK_BYTES;
        if (request.hasMemlockLimitBytes()) {
            // Above 2^63-1 bytes there is no memory to lock: as good as RLIM_INFINITY (2^64-1).
            memlock = request.getMemlockLimitBytes() < 0 ? ProcessSpec.UNLIMITED : request.getMemlockLimitBytes();
        }
        return new ProcessSpec(request.getName(), request.getUid(), capabilities(request.getCapabilitiesList()), memlock);
    }

    /** The request that spawns a process of {@code spec}, its limit included. */
    public static SpawnRequest toWire(ProcessSpec spec) {
        SpawnRequest.Builder request = SpawnRequest.newBuilder().setName(spec.name()).setUid(spec.uid())
                .setMemlockLimitBytes(spec.memlockLimitBytes());
        for (Capability capability : Capability.values()) {
            if (!spec.capabilities().contains(capability)) {
                continue;
            }
            request.addCapabilities(switch (capability) {
                case CAP_SYS_RAWIO -> io.vfleet.api.agent.v1.Capability.CAPABILITY_SYS_RAWIO;
                case CAP_IPC_LOCK -> io.vfleet.api.agent.v1.Capability.CAPABILITY_IPC_LOCK;
                case CAP_SYS_RESOURCE -> io.vfleet.api.agent.v1.Capability.CAPABILITY_SYS_RESOURCE;
            });
        }
        return request.build();
    }

    private static Set<Capability> capabilities(List<io.vfleet.api.agent.v1.Capability> capabilities) {
        Set<Capability> engine = EnumSet.noneOf(Capability.class);
        for (var capability : capabilities) {
            engine.add(switch (capability) {
                case CAPABILITY_SYS_RAWIO -> Capability.CAP_SYS_RAWIO;
                case CAPABILITY_IPC_LOCK -> Capability.CAP_IPC_LOCK;
                case CAPABILITY_SYS_RESOURCE -> Capability.CAP_SYS_RESOURCE;
                case CAPABILITY_UNSPECIFIED, UNRECOGNIZED -> throw new InvalidMessage("capabilities", "unknown capability "
                        + capability);
            });
        }
        return engine;
    }
}
