package io.vfleet.stack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds each application's command line and environment so that they find each other: the
 * services' ports and database, the token tables, the agents' registration with the inventory and
 * the assignment service's feed from it. What an application's build cannot be given is collected
 * as a reason, printed with the listing, rather than passed and left to fail.
 */
final class StackWiring {
    /** The applications accept the stack's static tokens only in this Spring profile. */
    static final String LOCAL_PROFILE = "local";
    private final StackSettings settings;
    private final PortPlan ports;
    private final DemoTokens tokens;
    private final Database database;
    private final List<String> notWired = new ArrayList<>();

    StackWiring(StackSettings settings, PortPlan ports, DemoTokens tokens, Database database) {
        this.settings = settings;
        this.ports = ports;
        this.tokens = tokens;
        this.database = database;
    }

    record Wired(Optional<ChildProcess> inventory, Map<String, ChildProcess> agents, ChildProcess assignment,
            List<String> notWired) {}

    Wired wire() {
        Optional<ChildProcess> inventory = settings.jars().inventory().map(jar -> inventory(AppJar.read(jar)));
        if (inventory.isEmpty()) {
            notWired.add("inventory-service: this checkout has no inventory-service module, so no node registers"
                    + " and the assignment service has no topology to assign from");
        }
        Map<String, ChildProcess> agents = new LinkedHashMap<>();
        AppJar agentJar = AppJar.read(settings.jars().agent());
        List<SimulatedHost> hosts = settings.hosts();
        for (int index = 0; index < hosts.size(); index++) {
            agents.put(hosts.get(index).node(), agent(agentJar, hosts.get(index), index, inventory.isPresent()));
        }
        ChildProcess assignment = assignment(AppJar.read(settings.jars().assignment()), inventory.isPresent());
        return new Wired(inventory, agents, assignment, List.copyOf(notWired));
    }

    private ChildProcess inventory(AppJar jar) {
        ApplicationProperties properties = new ApplicationProperties()
                .set("server.port", Integer.toString(ports.inventoryHttp()))
                .set("spring.grpc.server.port", Integer.toString(ports.inventoryGrpc()))
                .set("spring.profiles.active", LOCAL_PROFILE);
        database(properties);
        DemoTokens.addTo(properties, tokens.inventoryGrants());
        return child("inventory-service", jar, properties, serviceProbes(jar, ports.inventoryHttp(), ports.inventoryGrpc()));
    }

    private ChildProcess agent(AppJar jar, SimulatedHost host, int index, boolean registers) {
        Path stateDirectory = settings.stateDirectory().resolve(agentName(host));
        int grpcPort = ports.agents().get(index);
        int httpPort = ports.agentsHttp().get(index);
        String endpoint = Stack.LOOPBACK + ":" + grpcPort;
        ApplicationProperties properties = new ApplicationProperties()
                .set("grpc-port", Integer.toString(grpcPort))
                .set("http-port", Integer.toString(httpPort))
                .set("topology", host.topology().toString())
                .set("state-dir", stateDirectory.resolve("state").toString())
                .set("advertised-endpoint", endpoint)
                .set("spring.profiles.active", LOCAL_PROFILE);
        DemoTokens.addTo(properties, tokens.agentGrants());
        if (registers) {
            properties.set("vfleet.agent.inventory-target", Stack.LOOPBACK + ":" + ports.inventoryGrpc())
                    .secret("vfleet.agent.inventory-token", tokens.agents().get(host.node()));
        }
        List<HealthProbe> probes = new ArrayList<>();
        probes.add(new HealthProbe.Grpc(grpcPort));
        if (jar.servesActuator()) {
            probes.add(new HealthProbe.Actuator(httpPort));
        }
        return child(agentName(host), jar, properties, probes);
    }

    static String agentName(SimulatedHost host) {
        return "agent-" + host.node();
    }

    /**
     * With an inventory, the assignment service follows it: nodes, liveness and each agent's endpoint
     * come from the agents' own registrations, so a static endpoint would only hide a wrong one.
     * Without it nothing fills the topology; the endpoints are still given, for reconciliation.
     */
    private ChildProcess assignment(AppJar jar, boolean followsInventory) {
        ApplicationProperties properties = new ApplicationProperties()
                .set("server.port", Integer.toString(ports.assignmentHttp()))
                .set("spring.profiles.active", LOCAL_PROFILE);
        if (jar.servesGrpc()) {
            properties.set("spring.grpc.server.port", Integer.toString(ports.assignmentGrpc()));
        }
        properties.set("spring.datasource.url", database.jdbcUrl())
                .set("spring.datasource.username", database.assignmentService())
                .secret("spring.datasource.password", database.password())
                .set("spring.flyway.user", database.assignmentOwner())
                .secret("spring.flyway.password", database.password())
                // A throwaway key for the audit log's checkpoints, made on first start, and the
                // checkpoints kept in the stack's state, outside the database.
                .set("vfleet.audit.signing.key-file",
                        settings.stateDirectory().resolve("assignment-service").resolve("audit-signing.key").toString())
                .set("vfleet.audit.signing.generate-if-missing", "true")
                .set("vfleet.audit.checkpoints.directory", settings.stateDirectory().resolve("audit-checkpoints").toString());
        DemoTokens.addTo(properties, tokens.assignmentGrants());
        properties.secret("vfleet.agents.token", tokens.controller());
        if (followsInventory) {
            properties.set("vfleet.inventory.target", Stack.LOOPBACK + ":" + ports.inventoryGrpc())
                    .secret("vfleet.inventory.token", tokens.controller());
        } else {
            List<SimulatedHost> hosts = settings.hosts();
            for (int index = 0; index < hosts.size(); index++) {
                properties.set("vfleet.agents.endpoints." + hosts.get(index).node(),
                        Stack.LOOPBACK + ":" + ports.agents().get(index));
            }
        }
        settings.reconcileInterval().ifPresent(interval -> {
            properties.set("vfleet.reconcile.interval", interval.toSeconds() + "s");
            if (interval.isZero()) {
                properties.set("vfleet.reconcile.on-start", "false").set("vfleet.reconcile.on-registration", "false");
            }
        });
        return child("assignment-service", jar, properties, serviceProbes(jar, ports.assignmentHttp(), ports.assignmentGrpc()));
    }

    private void database(ApplicationProperties properties) {
        properties.set("spring.datasource.url", database.jdbcUrl())
                .set("spring.datasource.username", database.user())
                .secret("spring.datasource.password", database.password());
    }

    private List<HealthProbe> serviceProbes(AppJar jar, int httpPort, int grpcPort) {
        List<HealthProbe> probes = new ArrayList<>();
        if (jar.servesActuator()) {
            probes.add(new HealthProbe.Actuator(httpPort));
        } else {
            probes.add(new HealthProbe.HttpAnswer(httpPort));
            notWired.add(jar.path().getFileName() + " has no actuator: its health is taken from its HTTP port answering");
        }
        if (jar.servesGrpc()) {
            probes.add(new HealthProbe.Grpc(grpcPort));
        }
        return probes;
    }

    private ChildProcess child(String name, AppJar jar, ApplicationProperties properties, List<HealthProbe> probes) {
        List<String> arguments = new ArrayList<>(settings.jvmOptions());
        arguments.add("-jar");
        arguments.add(jar.path().toString());
        arguments.addAll(properties.arguments());
        Path workingDirectory = settings.stateDirectory().resolve(name);
        ChildProcess.Spec spec = new ChildProcess.Spec(name, arguments, properties.environment(), workingDirectory, probes);
        return new ChildProcess(spec, settings.stateDirectory().resolve("logs").resolve(name + ".log"), settings.startupTimeout());
    }
}
