package io.vfleet.engine.process;

import java.util.Set;

/**
 * What a new process is started with.
 *
 * @param name               a label for logs and snapshots (the VMM's name, for instance)
 * @param uid                the user it runs as; USER-mode pinning is charged per uid
 * @param capabilities       effective capabilities
 * @param memlockLimitBytes  RLIMIT_MEMLOCK; {@link #UNLIMITED} for RLIM_INFINITY
 */
public record ProcessSpec(String name, int uid, Set<Capability> capabilities, long memlockLimitBytes) {
    public static final long UNLIMITED = Long.MAX_VALUE;

    public ProcessSpec {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name: must not be empty");
        }
        if (uid < 0) {
            throw new IllegalArgumentException("uid: must not be negative, was " + uid);
        }
        if (memlockLimitBytes < 0) {
            throw new IllegalArgumentException("memlockLimitBytes: must not be negative, was " + memlockLimitBytes);
        }
        capabilities = Set.copyOf(capabilities);
    }
}
