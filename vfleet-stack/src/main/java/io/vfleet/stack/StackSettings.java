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
 * @param reconcileInterval how often the assignment service reconciles every node; empty keeps its own default,
 *                         zero turns reconciliation off altogether (for tests that drive the agents themselves)
 */
public record StackSettings(Path stateDirectory, AppJars jars, List<SimulatedHost> hosts,
        Optional<ExternalDatabase> externalDatabase, int portBase, List<String> jvmOptions, Duration startupTimeout,
        Optional<Duration> reconcileInterval) {

    /**
     * Small heaps, one GC thread and the C1 compiler only: six JVMs share a laptop or a two-core
     * machine, and start-up time matters more than peak throughput here.
     */
    public static final List<String> DEFAULT_JVM_OPTIONS =
            List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k");

    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofMinutes(3);

    /**
     * Tests crash the assignment service between states and wait for reconciliation to repair what
     * it left; the service's own minute between runs would make every such test a minute longer.
     */
    public static final Duration TEST_RECONCILE_INTERVAL = Duration.ofSeconds(5);

    public StackSettings {
        stateDirectory = stateDirectory.toAbsolutePath().normalize();
        hosts = List.copyOf(hosts);
        jvmOptions = List.copyOf(jvmOptions);
        if (reconcileInterval.filter(interval -> interval.isNegative() || interval.toMillisPart() != 0).isPresent()) {
            throw new StackException("the reconciliation interval is whole seconds (0s for none): " + reconcileInterval.get());
        }
        if (hosts.isEmpty()) {
            throw new StackException("the stack needs at least one simulated host");
        }
        if (hosts.stream().map(SimulatedHost::node).distinct().count() != hosts.size()) {
            throw new StackException("two topologies name the same host: " + hosts);
        }
    }

    /**
     * The three default hosts from {@code deploy/topologies/}, the embedded database, free ports,
     * and reconciliation every {@link #TEST_RECONCILE_INTERVAL}.
     */
    public static StackSettings forTests(Path projectRoot, AppJars jars, Path stateDirectory) {
        Path topologies = projectRoot.resolve("deploy/topologies");
        List<SimulatedHost> hosts = SimulatedHost.DEFAULT_TOPOLOGIES.stream()
                .map(name -> SimulatedHost.read(topologies.resolve(name)))
                .toList();
        return new StackSettings(stateDirectory, jars, hosts, Optional.empty(), 0, DEFAULT_JVM_OPTIONS,
                DEFAULT_STARTUP_TIMEOUT, Optional.of(TEST_RECONCILE_INTERVAL));
    }

    /**
     * The same stack with the assignment service's reconciliation off: a test that prepares and
     * releases on the agents itself acts as the node's controller, and a reconciling service would
     * release its preparations as orphans under it.
     */
    public StackSettings withoutReconciliation() {
        return new StackSettings(stateDirectory, jars, hosts, externalDatabase, portBase, jvmOptions, startupTimeout,
                Optional.of(Duration.ZERO));
    }
}
