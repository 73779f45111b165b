package io.vfleet.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A host simulated by an agent from a topology file of {@code deploy/topologies/}; its node name is
 * the file's {@code hostname}, which the agent reports as its own.
 */
public record SimulatedHost(String node, Path topology) {

    public static final List<String> DEFAULT_TOPOLOGIES =
            List.of("gpu-server-8x.yaml", "workstation-gpu-audio.yaml", "legacy-shared-bus.yaml");

    public static SimulatedHost read(Path topology) {
        Path file = topology.toAbsolutePath().normalize();
        try {
            // A top-level scalar: reading the one line is enough, and keeps the launcher free of a YAML parser.
            String node = Files.readAllLines(file).stream()
                    .filter(line -> line.startsWith("hostname:"))
                    .map(line -> line.substring("hostname:".length()).strip())
                    .map(SimulatedHost::unquote)
                    .findFirst()
                    .orElseThrow(() -> new StackException(file + " has no top-level hostname"));
            return new SimulatedHost(node, file);
        } catch (IOException e) {
            throw new StackException("cannot read the topology " + file, e);
        }
    }

    private static String unquote(String value) {
        boolean quoted = value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"));
        return quoted ? value.substring(1, value.length() - 1) : value;
    }
}
