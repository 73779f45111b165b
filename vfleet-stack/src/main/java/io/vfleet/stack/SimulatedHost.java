package io.vfleet.stack;

import io.vfleet.engine.topology.TopologyException;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A host simulated by an agent from a topology file of {@code deploy/topologies/}; its node name is
 * the file's {@code hostname}, which the agent reports as its own. The file is read whole, as the agent
 * will read it, so that a topology the agent would refuse stops the stack before anything starts.
 */
public record SimulatedHost(String node, Path topology) {

    public static final List<String> DEFAULT_TOPOLOGIES =
            List.of("gpu-server-8x.yaml", "workstation-gpu-audio.yaml", "legacy-shared-bus.yaml");

    public static SimulatedHost read(Path topology) {
        Path file = topology.toAbsolutePath().normalize();
        try {
            return new SimulatedHost(TopologyLoader.load(file).hostname(), file);
        } catch (TopologyException invalid) {
            throw new StackException("the topology " + invalid.getMessage(), invalid);
        } catch (IOException e) {
            throw new StackException("cannot read the topology " + file, e);
        }
    }
}
