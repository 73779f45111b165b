package io.vfleet.agent;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The agent's settings ({@code vfleet.agent.*}; {@code --backend=}, {@code --topology=}, {@code --state-dir=} and
 * {@code --node-name=} on the command line are short for the first three and for {@code hostname}).
 *
 * @param backend         {@code engine} (a simulated host, the default) or {@code linux} (the real kernel of
 *                        the host the agent runs on, which needs {@code topology=sysfs})
 * @param topology        a topology YAML file, relative to the working directory, or {@code sysfs} for
 *                        the host the agent runs on
 * @param stateDirectory  where the kernel state and the assignment table survive restarts
 * @param sysfsRoot       the sysfs mount read when {@code topology} is {@code sysfs}
 * @param hostname        the node's name when the topology is read from sysfs; empty means the kernel's
 *                        hostname, which must then be a host name
 * @param inventoryTarget the inventory service to register with; empty means no registration
 * @param snapshotDelay   how long a system call's state may wait to be written to disk after it was
 *                        answered; zero writes it before the answer (see {@code SyscallsService})
 * @param inventoryToken  this node's bearer token at the inventory (role {@code agent}, scoped to the node)
 * @param advertisedEndpoint where the central services dial this agent's gRPC, {@code host:port}
 */
@ConfigurationProperties("vfleet.agent")
public record AgentProperties(String backend, String topology, Path stateDirectory, Path sysfsRoot, String hostname, String inventoryTarget,
        Duration snapshotDelay, String inventoryToken, String advertisedEndpoint) {
    public static final String SYSFS = "sysfs";
    public static final String ENGINE = "engine", LINUX = "linux";

    public AgentProperties {
        backend = backend == null || backend.isBlank() ? ENGINE : backend.strip();
        if (!backend.equals(ENGINE) && !backend.equals(LINUX)) {
            throw new IllegalArgumentException("vfleet.agent.backend: '" + backend + "' is neither engine nor linux");
        }
        if (backend.equals(LINUX) && !SYSFS.equals(topology)) {
            throw new IllegalArgumentException("vfleet.agent.backend: linux serves the host the agent runs on, so its "
                    + "topology is read from sysfs (--topology=sysfs), not from '" + topology + "'");
        }
    }
}
