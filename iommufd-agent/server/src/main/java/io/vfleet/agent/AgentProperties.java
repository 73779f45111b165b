package io.vfleet.agent;

import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The agent's settings ({@code vfleet.agent.*}; {@code --topology=} and {@code --state-dir=} on the
 * command line are short for the first two).
 *
 * @param topology        a topology YAML file, relative to the working directory, or {@code sysfs} for
 *                        the host the agent runs on
 * @param stateDirectory  where the kernel state and the assignment table survive restarts
 * @param sysfsRoot       the sysfs mount read when {@code topology} is {@code sysfs}
 * @param hostname        the host's name when read from sysfs; empty means the kernel's hostname
 * @param inventoryTarget the inventory service to register with; empty means no registration
 * @param compactAfterChanges how many changes the journal holds beyond its base before a compaction
 *                        writes a new base (see {@code StateJournal})
 * @param inventoryToken  this node's bearer token at the inventory (role {@code agent}, scoped to the node)
 * @param advertisedEndpoint where the central services dial this agent's gRPC, {@code host:port}
 */
@ConfigurationProperties("vfleet.agent")
public record AgentProperties(String topology, Path stateDirectory, Path sysfsRoot, String hostname, String inventoryTarget,
        long compactAfterChanges, String inventoryToken, String advertisedEndpoint) {
    public static final String SYSFS = "sysfs";
}
