package io.vfleet.agent.topology;

import io.vfleet.engine.topology.HostTopology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The name a node registers under when its topology is read from sysfs: the one configured, else the
 * kernel's hostname when that is a host name. A kernel that was never given one says {@code (none)}, as
 * a minimal guest does; that is no node name, and the agent then refuses to start until one is configured.
 */
public final class NodeName {
    private NodeName() {
    }

    /** {@code configured} when set (blank is unset), else the hostname in {@code kernelHostname} ({@code /proc/sys/kernel/hostname}). */
    public static String of(String configured, Path kernelHostname) {
        if (configured != null && !configured.isBlank()) {
            return valid(configured.strip(), "vfleet.agent.hostname");
        }
        String hostname;
        try {
            hostname = Files.readString(kernelHostname).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the kernel's hostname from " + kernelHostname
                    + "; set vfleet.agent.hostname (--node-name=) to this node's name", e);
        }
        return valid(hostname, "the kernel's hostname (" + kernelHostname + ")");
    }

    private static String valid(String name, String source) {
        if (HostTopology.isHostname(name)) {
            return name;
        }
        throw new IllegalStateException(source + " is '" + name + "', which is not a node name (letters, digits, '.' and '-'); "
                + "set vfleet.agent.hostname (--node-name=) to this node's name");
    }
}
