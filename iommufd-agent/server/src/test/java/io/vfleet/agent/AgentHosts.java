package io.vfleet.agent;

import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped topologies, for agent tests. */
public final class AgentHosts {
    private AgentHosts() {
    }

    /** {@code deploy/topologies/<name>.yaml}. */
    public static HostTopology shipped(String name) {
        try {
            return TopologyLoader.load(shippedFolder().resolve(name + ".yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code deploy/topologies}, found from the module directory upwards. */
    public static Path shippedFolder() {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy/topologies");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no deploy/topologies above " + here);
    }
}
