package io.vfleet.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds each application's command line and environment so that they find each other: the
 * services' ports and database, the token tables, each process's TLS certificate (every gRPC
 * connection between them is mutual TLS, each side checking the other's fleet identity), the agents'
 * registration with the inventory and the assignment service's feed from it. What an application's
 * build cannot be given is collected as a reason, printed with the listing, rather than passed and
 * left to fail.
 */
final class StackWiring {
    /** The applications accept the stack's static tokens only in this Spring profile. */
    static final String LOCAL_PROFILE = "local";
    private final StackSettings settings;
    private final PortPlan ports;
    private final DemoTokens tokens;
    private final Database database;
    private final StackCertificates certificates;
    private final List<String> notWired = new ArrayList<>();

    StackWiring(StackSettings settings, PortPlan ports, DemoTokens tokens, Database database, StackCertificates certificates) {
        this.settings = settings;
        this.ports = ports;
        this.tokens = tokens;
        this.database = database;
        this.certificates = certificates;
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
        settings.labHost().ifPresent(lab -> agents.put(lab.node(), lab(lab, hosts.size(), inventory.isPresent())));
        ChildProcess assignment = assignment(AppJar.read(settings.jars().assignment()), inventory.isPresent());
        return new Wired(inventory, agents, assignment, List.copyOf(notWired));
    }

    private ChildProcess inventory(AppJar jar) {
        ApplicationProperties properties = new ApplicationProperties()
                .set("server.port", Integer.toString(ports.inventoryHttp()))
                .set("spring.grpc.server.port", Integer.toString(ports.inventoryGrpc()))
                .set("spring.profiles.active", LOCAL_PROFILE)
                .set("vfleet.tls.directory", certificates.issue("inventory-service", StackCertificates.INVENTORY_IDENTITY).toString());
        database(properties, ServiceSchema.INVENTORY);
        DemoTokens.addTo(properties, tokens.inventoryGrants());
        settings.timing().heartbeatTimeout().ifPresent(timeout ->
                properties.set("vfleet.inventory.heartbeat-timeout", Durations.asSetting(timeout)));
        return child("inventory-service", jar, properties, servicePorts(jar, ports.inventoryHttp(), ports.inventoryGrpc()));
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
                .set("spring.profiles.active", LOCAL_PROFILE)
                .set("vfleet.tls.directory", certificates.issue(agentName(host),
                        StackCertificates.nodeIdentity(host.node())).toString());
        DemoTokens.addTo(properties, tokens.agentGrants());
        if (registers) {
            // The node's certificate is what the inventory takes its registration from.
            properties.set("vfleet.agent.inventory-target", Stack.LOOPBACK + ":" + ports.inventoryGrpc());
        }
        List<HealthProbe> probes = new ArrayList<>();
        probes.add(grpcProbe(grpcPort));
        if (jar.servesActuator()) {
            probes.add(new HealthProbe.Actuator(httpPort));
        }
        return child(agentName(host), jar, properties, new Serving(ports("grpc", grpcPort, "http", httpPort), probes));
    }

    /**
     * The lab script, which boots the guest and runs its agent there on the Linux backend: the node's
     * certificate goes into the guest, the agent's gRPC port is forwarded to this agent's port on the
     * loopback, and it takes the same tokens as every agent. QEMU stops with the script, on SIGTERM.
     */
    private ChildProcess lab(LabHost lab, int index, boolean registers) {
        String name = agentName(lab.node());
        int grpcPort = ports.agents().get(index);
        Path tls = certificates.issue(name, StackCertificates.nodeIdentity(lab.node()));
        List<String> command = new ArrayList<>(List.of(lab.script().toString(), "up", "--kernel=" + lab.kernel().option(),
                "--port=" + grpcPort, "--node-name=" + lab.node(), "--agent-jar=" + settings.jars().agent(), "--tls-dir=" + tls));
        if (registers) {
            command.add("--inventory-target=" + Stack.LOOPBACK + ":" + ports.inventoryGrpc());
        } else {
            notWired.add(name + ": without an inventory the lab's agent registers nowhere");
        }
        // Secrets in the environment, not on the command line; the lab writes them into the guest's initramfs.
        Map<String, String> environment = Map.of(
                "JAVA_HOME", System.getProperty("java.home"),
                "VFLEET_LAB_OPERATOR_TOKEN", tokens.operator(),
                "VFLEET_LAB_CONTROLLER_TOKEN", tokens.controller());
        ChildProcess.Spec spec = new ChildProcess.Spec(name, command, environment, settings.stateDirectory().resolve(name),
                ports("grpc", grpcPort), List.of(grpcProbe(grpcPort)), Signal.SIGTERM, false);
        Duration startup = settings.timing().startupTimeout().compareTo(LabHost.STARTUP_TIMEOUT) > 0
                ? settings.timing().startupTimeout() : LabHost.STARTUP_TIMEOUT;
        return new ChildProcess(spec, settings.stateDirectory().resolve("logs").resolve(name + ".log"), startup);
    }

    static String agentName(SimulatedHost host) {
        return agentName(host.node());
    }

    static String agentName(String node) {
        return "agent-" + node;
    }

    /**
     * With an inventory, the assignment service follows it: nodes, liveness and each agent's endpoint
     * come from the agents' own registrations, so a static endpoint would only hide a wrong one.
     * Without it nothing fills the topology; the endpoints are still given, for reconciliation.
     */
    private ChildProcess assignment(AppJar jar, boolean followsInventory) {
        ApplicationProperties properties = new ApplicationProperties()
                .set("server.port", Integer.toString(ports.assignmentHttp()))
                .set("spring.profiles.active", LOCAL_PROFILE)
                .set("vfleet.tls.directory", certificates.issue("assignment-service", StackCertificates.CONTROLLER_IDENTITY).toString());
        if (jar.servesGrpc()) {
            properties.set("spring.grpc.server.port", Integer.toString(ports.assignmentGrpc()));
        }
        database(properties, ServiceSchema.ASSIGNMENT);
        // A throwaway key for the audit log's checkpoints, made on first start, and the checkpoints
        // kept in the stack's state, outside the database.
        properties.set("vfleet.audit.signing.key-file",
                        settings.stateDirectory().resolve("assignment-service").resolve("audit-signing.key").toString())
                .set("vfleet.audit.signing.generate-if-missing", "true")
                .set("vfleet.audit.checkpoints.directory", settings.stateDirectory().resolve("audit-checkpoints").toString());
        DemoTokens.addTo(properties, tokens.assignmentGrants());
        // The controller's certificate is its credential at the agents and the inventory.
        if (followsInventory) {
            properties.set("vfleet.inventory.target", Stack.LOOPBACK + ":" + ports.inventoryGrpc());
        } else {
            List<String> nodes = settings.nodes();
            for (int index = 0; index < nodes.size(); index++) {
                properties.set("vfleet.agents.endpoints." + nodes.get(index), Stack.LOOPBACK + ":" + ports.agents().get(index));
            }
        }
        settings.timing().reconcileInterval().ifPresent(interval -> {
            properties.set("vfleet.reconcile.interval", Durations.asSetting(interval));
            if (interval.isZero()) {
                properties.set("vfleet.reconcile.on-start", "false").set("vfleet.reconcile.on-registration", "false");
            }
        });
        return child("assignment-service", jar, properties, servicePorts(jar, ports.assignmentHttp(), ports.assignmentGrpc()));
    }

    /**
     * The role the service connects as; where that is not its schema's owner, the owner runs the
     * migrations. Passwords as secrets.
     */
    private void database(ApplicationProperties properties, ServiceSchema schema) {
        DatabaseRole owner = database.role(schema);
        DatabaseRole service = database.serviceRole(schema);
        properties.set("spring.datasource.url", database.jdbcUrl())
                .set("spring.datasource.username", service.user())
                .secret("spring.datasource.password", service.password());
        if (!service.equals(owner)) {
            properties.set("spring.flyway.user", owner.user())
                    .secret("spring.flyway.password", owner.password());
        }
    }

    /** Where a child listens (for listings) and what "healthy" means for it. */
    private record Serving(Map<String, Integer> ports, List<HealthProbe> probes) {}

    private Serving servicePorts(AppJar jar, int httpPort, int grpcPort) {
        List<HealthProbe> probes = new ArrayList<>();
        if (jar.servesActuator()) {
            probes.add(new HealthProbe.Actuator(httpPort));
        } else {
            probes.add(new HealthProbe.HttpAnswer(httpPort));
            notWired.add(jar.path().getFileName() + " has no actuator: its health is taken from its HTTP port answering");
        }
        if (!jar.servesGrpc()) {
            return new Serving(ports("http", httpPort), probes);
        }
        probes.add(grpcProbe(grpcPort));
        return new Serving(ports("http", httpPort, "grpc", grpcPort), probes);
    }

    private static Map<String, Integer> ports(String use, int port) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put(use, port);
        return ports;
    }

    private static Map<String, Integer> ports(String firstUse, int firstPort, String secondUse, int secondPort) {
        Map<String, Integer> ports = ports(firstUse, firstPort);
        ports.put(secondUse, secondPort);
        return ports;
    }

    /** gRPC health over mutual TLS, with the launcher's own certificate (the inventory takes no call without one). */
    private HealthProbe grpcProbe(int port) {
        return new HealthProbe.Grpc(port, Optional.of(certificates.directoryOf(StackCertificates.LAUNCHER)));
    }

    private ChildProcess child(String name, AppJar jar, ApplicationProperties properties, Serving serving) {
        List<String> arguments = new ArrayList<>(settings.jvmOptions());
        arguments.add("-jar");
        arguments.add(jar.path().toString());
        arguments.addAll(properties.arguments());
        Path workingDirectory = settings.stateDirectory().resolve(name);
        ChildProcess.Spec spec = ChildProcess.Spec.java(name, arguments, properties.environment(), workingDirectory)
                .serving(serving.ports(), serving.probes());
        return new ChildProcess(spec, settings.stateDirectory().resolve("logs").resolve(name + ".log"),
                settings.timing().startupTimeout());
    }
}
