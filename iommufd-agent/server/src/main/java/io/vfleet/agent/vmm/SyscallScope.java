package io.vfleet.agent.vmm;

import io.vfleet.engine.Errno;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * What an assignment's Syscalls credential reaches: its VMM process, and in it the device nodes a VMM
 * confined to the assignment's devices may open. Refusals are what such a VMM meets in its kernel: a
 * pid that is not its own does not exist for it (ESRCH, as for a process in another pid namespace),
 * creating a process with credentials of its choosing is not permitted (EPERM), and a device node
 * outside its devices is refused by the devices cgroup (EPERM), so nothing tells it whether another
 * assignment's process or device is there.
 */
public record SyscallScope(String assignmentId, int pid, Set<String> openablePaths) {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String PREFIX = "vfa_";

    public SyscallScope {
        openablePaths = Set.copyOf(openablePaths);
    }

    static SyscallScope of(Assignment assignment) {
        Set<String> paths = new LinkedHashSet<>();
        paths.add("/dev/iommu");
        paths.add("/dev/kvm");
        assignment.prepared().devices().forEach(device -> paths.add(device.cdevPath()));
        return new SyscallScope(assignment.id(), assignment.prepared().pid(), paths);
    }

    /** Refuses, with ESRCH, a call that names a process other than the assignment's VMM. */
    public void requireOwn(int calledPid) {
        if (calledPid != pid) {
            throw Errno.ESRCH.exception("no process " + Integer.toUnsignedString(calledPid));
        }
    }

    /** Refuses, with EPERM, opening a device node that is not one of the assignment's. */
    public void requireOpenable(String path) {
        if (!openablePaths.contains(path)) {
            throw Errno.EPERM.exception("opening " + path + " is not permitted to this VMM");
        }
    }

    /** Refuses Spawn: the VMM does not create processes with credentials of its choosing. */
    public io.vfleet.engine.KernelException spawnRefused() {
        return Errno.EPERM.exception("a VMM's credential does not create processes");
    }

    /** 256 random bits, as text a bearer header carries. */
    static String newCredential() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /** The credential's SHA-256, the key it is looked up by, so that lookups take the same time whatever matched. */
    static String digest(String credential) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(String.valueOf(credential).getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException absent) {
            throw new AssertionError("every JDK has SHA-256", absent);
        }
    }
}
