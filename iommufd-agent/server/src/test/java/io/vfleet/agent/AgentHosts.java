package io.vfleet.agent;

import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Hosts for agent tests: the shipped topologies, each kept in a state directory of the test's. */
public final class AgentHosts {
    private AgentHosts() {
    }

    /** {@code deploy/topologies/<name>.yaml}, found from the module directory upwards. */
    public static HostTopology shipped(String name) {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy/topologies/" + name + ".yaml");
            if (Files.isRegularFile(candidate)) {
                try {
                    return TopologyLoader.load(candidate);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        throw new IllegalStateException("no shipped topology " + name + " above " + here);
    }

    /** The snapshot delay tests run with: the application's default. */
    public static final Duration SNAPSHOT_DELAY = Duration.ofMillis(100);

    /** An agent host on {@code topology} whose state lives in {@code stateDirectory}. */
    public static AgentHost start(HostTopology topology, Path stateDirectory) {
        return AgentHost.start(topology, stateDirectory, SNAPSHOT_DELAY);
    }
}
