package io.vfleet.agent;

import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.TopologyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped topologies, for agent tests. */
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
}
