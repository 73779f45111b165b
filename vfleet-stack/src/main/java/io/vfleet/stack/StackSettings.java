package io.vfleet.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything the stack is started from.
 *
 * @param stateDirectory   where the embedded PostgreSQL's data, each agent's state, the logs and the
 *                         listing of endpoints and tokens ({@code stack.env}) are kept
 * @param jars             the applications to run
 * @param hosts            one agent per simulated host
 * @param tenants          the demo tenants, each given an orchestrator's token that acts for it only
 * @param externalDatabase a PostgreSQL server to use instead of the embedded one
 * @param portBase         see {@link PortPlan}; 0 for free ports
 * @param jvmOptions       options for every child JVM
 * @param timing           how long to wait for a start, and the services' own intervals
 * @param labHost          the kernel lab's guest, a real host beside the simulated ones
 */
public record StackSettings(Path stateDirectory, AppJars jars, List<SimulatedHost> hosts, List<String> tenants,
        Optional<ExternalDatabase> externalDatabase, int portBase, List<String> jvmOptions, Timing timing,
        Optional<LabHost> labHost) {

    /**
     * How long the launcher waits, and the intervals it gives the services.
     *
     * @param startupTimeout    how long each application may take to become healthy
     * @param reconcileInterval how often the assignment service reconciles every node; empty keeps its own
     *                          default; zero turns its reconciliation off altogether (at start, periodically and
     *                          on an agent's re-registration), for tests that act as the agents' controller
     * @param heartbeatTimeout  how long the inventory waits for an agent's heartbeat before it takes the
     *                          node for dead; empty keeps its own default
     */
    public record Timing(Duration startupTimeout, Optional<Duration> reconcileInterval, Optional<Duration> heartbeatTimeout) {

        /** Agents heartbeat every ten seconds: a shorter timeout would take live nodes for dead. */
        static final Duration SHORTEST_HEARTBEAT_TIMEOUT = Duration.ofSeconds(20);

        public Timing {
            if (reconcileInterval.filter(interval -> interval.isNegative() || interval.toMillisPart() != 0).isPresent()) {
                throw new StackException("the reconciliation interval is whole seconds (0s for never), not "
                        + Durations.describe(reconcileInterval.get()));
            }
            if (heartbeatTimeout.filter(timeout -> timeout.compareTo(SHORTEST_HEARTBEAT_TIMEOUT) < 0
                    || timeout.toMillisPart() != 0).isPresent()) {
                throw new StackException("the heartbeat timeout is whole seconds, at least "
                        + Durations.describe(SHORTEST_HEARTBEAT_TIMEOUT) + " (agents heartbeat every 10 s), not "
                        + Durations.describe(heartbeatTimeout.get()));
            }
        }
    }

    /** A tenant's name as the assignment service accepts it. */
    public static final Pattern TENANT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    public static final List<String> DEFAULT_TENANTS = List.of("acme", "globex");

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
        tenants = List.copyOf(tenants);
        jvmOptions = List.copyOf(jvmOptions);
        if (hosts.isEmpty() && labHost.isEmpty()) {
            throw new StackException("the stack needs at least one host, simulated or the lab's");
        }
        if (hosts.stream().map(SimulatedHost::node).distinct().count() != hosts.size()) {
            throw new StackException("two topologies name the same host: " + hosts);
        }
        if (labHost.isPresent() && hosts.stream().anyMatch(host -> host.node().equals(labHost.get().node()))) {
            throw new StackException("a topology names the lab's node " + labHost.get().node());
        }
        Set<String> variables = new HashSet<>();
        for (String tenant : tenants) {
            if (!TENANT_NAME.matcher(tenant).matches()) {
                throw new StackException("'" + tenant + "' is not a tenant name: a letter or digit, then up to 62 letters,"
                        + " digits, '.', '_' or '-'");
            }
            if (!variables.add(Stack.tenantVariable(tenant))) {
                throw new StackException("the tenants " + tenants + " would share the shell variable " + Stack.tenantVariable(tenant));
            }
        }
    }

    /** Without a lab host. */
    public StackSettings(Path stateDirectory, AppJars jars, List<SimulatedHost> hosts, List<String> tenants,
            Optional<ExternalDatabase> externalDatabase, int portBase, List<String> jvmOptions, Timing timing) {
        this(stateDirectory, jars, hosts, tenants, externalDatabase, portBase, jvmOptions, timing, Optional.empty());
    }

    /** Every node's name, the simulated hosts' in order, then the lab's: one agent each. */
    public List<String> nodes() {
        List<String> nodes = new ArrayList<>(hosts.stream().map(SimulatedHost::node).toList());
        labHost.ifPresent(lab -> nodes.add(lab.node()));
        return List.copyOf(nodes);
    }

    /**
     * The three default hosts from {@code deploy/topologies/}, the demo tenants, the embedded database,
     * free ports, and reconciliation every {@link #TEST_RECONCILE_INTERVAL}.
     */
    public static StackSettings forTests(Path projectRoot, AppJars jars, Path stateDirectory) {
        Path topologies = projectRoot.resolve("deploy/topologies");
        List<SimulatedHost> hosts = SimulatedHost.DEFAULT_TOPOLOGIES.stream()
                .map(name -> SimulatedHost.read(topologies.resolve(name)))
                .toList();
        return new StackSettings(stateDirectory, jars, hosts, DEFAULT_TENANTS, Optional.empty(), 0, DEFAULT_JVM_OPTIONS,
                new Timing(DEFAULT_STARTUP_TIMEOUT, Optional.of(TEST_RECONCILE_INTERVAL), Optional.empty()));
    }

    /**
     * The same stack with the assignment service's reconciliation off: a test that prepares and
     * releases on the agents itself acts as the node's controller, and a reconciling service would
     * release its preparations as orphans under it.
     */
    public StackSettings withoutReconciliation() {
        Timing off = new Timing(timing.startupTimeout(), Optional.of(Duration.ZERO), timing.heartbeatTimeout());
        return new StackSettings(stateDirectory, jars, hosts, tenants, externalDatabase, portBase, jvmOptions, off, labHost);
    }

    /** The same stack with the lab's guest as a host; {@code simulated} are the hosts beside it (none for the lab alone). */
    public StackSettings withLabHost(LabHost lab, List<SimulatedHost> simulated) {
        return new StackSettings(stateDirectory, jars, simulated, tenants, externalDatabase, portBase, jvmOptions, timing,
                Optional.of(lab));
    }
}
