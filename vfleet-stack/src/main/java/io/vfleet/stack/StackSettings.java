package io.vfleet.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Everything the stack is started from.
 *
 * @param stateDirectory   where the embedded PostgreSQL's data, each agent's state, the logs and the
 *                         listing of endpoints and tokens ({@code stack.env}) are kept
 * @param jars             the applications to run
 * @param hosts            one agent per simulated host
 * @param externalDatabase a PostgreSQL server to use instead of the embedded one
 * @param portBase         see {@link PortPlan}; 0 for free ports
 * @param jvmOptions       options for every child JVM
 * @param startupTimeout   how long each application may take to become healthy
 */
public record StackSettings(Path stateDirectory, AppJars jars, List<SimulatedHost> hosts,
        Optional<ExternalDatabase> externalDatabase, int portBase, List<String> jvmOptions, Duration startupTimeout) {

    /**
     * Small heaps, one GC thread and the C1 compiler only: six JVMs share a laptop or a two-core
     * machine, and start-up time matters more than peak throughput here.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS =
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(3);

    public StackSettings {
        stateDirectory = stateDirectory.toAbsolutePath().normalize();
        hosts = List.copyOf(hosts);
        jvmOptions = List.copyOf(jvmOptions);
        if (hosts.isEmpty()) {
            throw new StackException("the stack needs at least one simulated host");
        }
        if (hosts.stream().map(SimulatedHost::node).distinct().count() != hosts.size()) {
            throw new StackException("two topologies name the same host: " + hosts);
        }
    }

    /** The three default hosts from {@code deploy/topologies/}, the embedded database, free ports. */
    public static StackSettings forTests(Path projectRoot, AppJars jars, Path stateDirectory) {
        Path topologies = projectRoot.resolve("deploy/topologies");
        List<SimulatedHost> hosts = SimulatedHost.DEFAULT_TOPOLOGIES.stream()
                .map(name -> SimulatedHost.read(topologies.resolve(name)))
                .toList();
        return new StackSettings(stateDirectory, jars, hosts, Optional.empty(), 0, DEFAULT_JVM_OPTIONS,
                DEFAULT_STARTUP_TIMEOUT);
    }
}
