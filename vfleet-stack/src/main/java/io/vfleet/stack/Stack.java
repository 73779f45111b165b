package io.vfleet.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The whole system on one machine: PostgreSQL, the inventory service, one agent per simulated host
 * and the assignment service, each application a child process with its own ports, state directory
 * and log, wired to the others. Started in that order (the agents beside the inventory, since they
 * retry their registration), each waited for until healthy; stopped in the reverse order.
 */
public final class Stack implements AutoCloseable {
    static final String LOOPBACK = "127.0.0.1";

    private final StackSettings settings;
    private final PortPlan ports;
    private final DemoTokens tokens;
    private final Database database;
    private final StackCertificates certificates;
    private final Optional<ChildProcess> inventory;
    private final Map<String, ChildProcess> agents;
    private final ChildProcess assignment;
    private final List<String> notWired;
    private boolean closed;

    private Stack(StackSettings settings, PortPlan ports, DemoTokens tokens, Database database, StackCertificates certificates,
            StackWiring.Wired wiring) {
        this.settings = settings;
        this.ports = ports;
        this.tokens = tokens;
        this.database = database;
        this.certificates = certificates;
        this.inventory = wiring.inventory();
        this.agents = wiring.agents();
        this.assignment = wiring.assignment();
        this.notWired = wiring.notWired();
    }

    /**
     * Plans ports, makes tokens and wires the applications, starting nothing yet, so that whoever
     * starts it can arrange to {@link #close()} it first (a shutdown hook, a test's teardown).
     */
    public static Stack create(StackSettings settings) {
        List<String> nodes = settings.nodes();
        PortPlan ports = PortPlan.from(settings.portBase(), nodes.size());
        ports.requireFree(settings.externalDatabase().isEmpty());
        DemoTokens tokens = DemoTokens.generate(nodes, settings.tenants());
        Database database = settings.externalDatabase().<Database>map(external -> external)
                .orElseGet(() -> new EmbeddedDatabase(settings.stateDirectory().resolve("postgres"),
                        settings.stateDirectory().resolve("logs/postgresql.log"), ports.database(),
                        settings.timing().startupTimeout()));
        StackCertificates certificates = StackCertificates.in(settings.stateDirectory().resolve("tls"));
        certificates.issue(StackCertificates.LAUNCHER, StackCertificates.LAUNCHER_IDENTITY);
        return new Stack(settings, ports, tokens, database, certificates,
                new StackWiring(settings, ports, tokens, database, certificates).wire());
    }

    /** Creates and starts a stack; on failure stops what it started. */
    public static Stack start(StackSettings settings) {
        Stack stack = create(settings);
        stack.start();
        return stack;
    }

    /** Starts everything and returns once every application is healthy; on failure stops what it started. */
    public void start() {
        try {
            StateDirectory.create(settings.stateDirectory());
            runUnlessClosed(database::start);
            List<ChildProcess> first = new ArrayList<>();
            inventory.ifPresent(first::add);
            first.addAll(agents.values());
            first.forEach(child -> runUnlessClosed(child::launch));
            first.forEach(ChildProcess::awaitHealthy);
            runUnlessClosed(assignment::launch);
            assignment.awaitHealthy();
            writeEnvironmentFile();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Holds the lock {@link #close()} takes, so that nothing starts after the stack was told to stop. */
    private synchronized void runUnlessClosed(Runnable step) {
        if (closed) {
            throw new StackException("the stack was stopped while it started");
        }
        step.run();
    }

    /** Stops the assignment service, the agents (the lab's with its QEMU), the inventory, then PostgreSQL. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        List<Runnable> stops = new ArrayList<>();
        stops.add(assignment::stop);
        List<ChildProcess> agentsInReverse = new ArrayList<>(agents.values()).reversed();
        agentsInReverse.forEach(agent -> stops.add(agent::stop));
        inventory.ifPresent(service -> stops.add(service::stop));
        stops.add(database::close);
        for (Runnable stop : stops) {
            try {
                stop.run();
            } catch (RuntimeException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            StackException failure = new StackException("the stack did not stop cleanly");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    public StackSettings settings() {
        return settings;
    }

    public PortPlan ports() {
        return ports;
    }

    public DemoTokens tokens() {
        return tokens;
    }

    public Database database() {
        return database;
    }

    /**
     * Waits until the assignment service knows every node as live, from the inventory's feed: only then
     * can assignments be placed on them. Nothing to wait for without an inventory.
     */
    public void awaitNodesKnown() {
        if (inventory.isPresent()) {
            new StackApi(assignmentUrl()).awaitNodesLive(tokens.operator(), agents.keySet(), settings.timing().startupTimeout());
        }
    }

    /** Every process the stack runs, in the order they start: PostgreSQL (when embedded), inventory, agents, assignment. */
    public List<ChildProcess> processes() {
        List<ChildProcess> processes = new ArrayList<>();
        if (database instanceof EmbeddedDatabase embedded) {
            embedded.process().ifPresent(processes::add);
        }
        inventory.ifPresent(processes::add);
        processes.addAll(agents.values());
        processes.add(assignment);
        return processes;
    }

    /** The stack's certificate authority, which a client of its gRPC servers trusts ({@code grpcurl -cacert}). */
    public Path authorityCertificate() {
        return certificates.authorityCertificate();
    }

    /**
     * The TLS files ({@code tls.crt}, {@code tls.key}, {@code ca.crt}) of one of the stack's processes, by
     * its name: {@code assignment-service} (the controller), {@code agent-<node>}, {@code inventory-service}.
     */
    public Path tlsDirectory(String process) {
        return certificates.directoryOf(process);
    }

    public ChildProcess assignment() {
        return assignment;
    }

    public Optional<ChildProcess> inventory() {
        return inventory;
    }

    /** The agents by node name, in the order of the settings' hosts. */
    public Map<String, ChildProcess> agents() {
        return agents;
    }

    public ChildProcess agent(String node) {
        ChildProcess agent = agents.get(node);
        if (agent == null) {
            throw new StackException("no agent for node " + node + "; the stack's nodes are " + agents.keySet());
        }
        return agent;
    }

    /** What is not connected because the applications built do not offer it. */
    public List<String> notWired() {
        return notWired;
    }

    public String assignmentUrl() {
        return "http://" + LOOPBACK + ":" + ports.assignmentHttp();
    }

    /** The assignment service's gRPC {@code host:port}. */
    public String assignmentTarget() {
        return LOOPBACK + ":" + ports.assignmentGrpc();
    }

    public String inventoryUrl() {
        return "http://" + LOOPBACK + ":" + ports.inventoryHttp();
    }

    public String agentTarget(String node) {
        agent(node);
        return LOOPBACK + ":" + ports.agents().get(List.copyOf(agents.keySet()).indexOf(node));
    }

    /** The agent's HTTP side: actuator health and Prometheus metrics (a simulated host's; the lab's agent has none). */
    public String agentHealthUrl(String node) {
        agent(node);
        return "http://" + LOOPBACK + ":" + ports.agentsHttp().get(List.copyOf(agents.keySet()).indexOf(node)) + "/actuator/health";
    }

    public Path environmentFile() {
        return settings.stateDirectory().resolve("stack.env");
    }

    /** Where each application listens, the demo tokens, and what is not wired. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        String newline = System.lineSeparator();
        text.append("vfleet is up; state and logs in ").append(settings.stateDirectory()).append(newline);
        line(text, "PostgreSQL", database.describe());
        inventory.ifPresent(service -> line(text, "inventory-service", "REST " + inventoryUrl() + "/api/v1, gRPC "
                + LOOPBACK + ":" + ports.inventoryGrpc() + ", health " + inventoryUrl() + "/actuator/health"));
        agents.keySet().forEach(node -> line(text, "agent " + node, "gRPC " + agentTarget(node) + " (vfleet.agent.v1 "
                + "Syscalls, NodeAgent), " + settings.labHost().filter(lab -> lab.node().equals(node))
                        .map(lab -> "the kernel lab's guest under QEMU, " + lab.kernel().option() + " kernel, its topology from"
                                + " the guest's sysfs, console in " + lab.consoleLog())
                        .orElseGet(() -> "health " + agentHealthUrl(node) + ", topology " + hostOf(node).topology())));
        line(text, "assignment-service", "REST " + assignmentUrl() + "/api/v1, dashboard " + assignmentUrl() + "/dashboard/"
                + (AppJar.read(settings.jars().assignment()).servesGrpc() ? ", gRPC " + assignmentTarget() + " (vfleet.assignment.v1)" : "")
                + (inventory.isPresent() ? ", nodes and agents from the inventory's ListAndWatch" : ""));
        text.append(newline).append("Demo tokens (send as \"Authorization: Bearer <token>\"):").append(newline);
        line(text, "orchestrator", tokens.orchestrator() + "  (every tenant)");
        line(text, "operator", tokens.operator());
        line(text, "auditor", tokens.auditor());
        tokens.tenants().forEach((tenant, token) -> line(text, "orchestrator for " + tenant, token + "  (tenant " + tenant + " only)"));
        text.append("gRPC is mutual TLS between the processes; a client trusts ").append(authorityCertificate())
                .append(" (REST is plain HTTP on loopback).").append(newline);
        text.append("The operator's token also reaches every agent's Syscalls; a Prepare's answer carries the credential")
                .append(" of one assignment's VMM.").append(newline);
        text.append("The same, as shell variables: source ").append(environmentFile()).append(newline);
        if (!notWired.isEmpty()) {
            text.append(newline).append("Not wired:").append(newline);
            notWired.forEach(reason -> text.append("  - ").append(reason).append(newline));
        }
        return text.toString();
    }

    private SimulatedHost hostOf(String node) {
        return settings.hosts().stream().filter(host -> host.node().equals(node)).findFirst()
                .orElseThrow(() -> new AssertionError("an agent without a host: " + node));
    }

    private static void line(StringBuilder text, String what, String where) {
        text.append(String.format("  %-28s %s%n", what, where));
    }

    /** {@code stack.env}: the endpoints and tokens as shell variables, readable by the owner only. */
    private void writeEnvironmentFile() {
        Map<String, String> variables = new LinkedHashMap<>();
        variables.put("VFLEET_ASSIGNMENT_URL", assignmentUrl());
        if (AppJar.read(settings.jars().assignment()).servesGrpc()) {
            variables.put("VFLEET_ASSIGNMENT_GRPC", assignmentTarget());
        }
        inventory.ifPresent(service -> {
            variables.put("VFLEET_INVENTORY_URL", inventoryUrl());
            variables.put("VFLEET_INVENTORY_GRPC", LOOPBACK + ":" + ports.inventoryGrpc());
        });
        agents.keySet().forEach(node -> variables.put("VFLEET_AGENT_" + variableName(node), agentTarget(node)));
        variables.put("VFLEET_DATABASE_URL", database.jdbcUrl());
        variables.put("VFLEET_CA_CERT", authorityCertificate().toString());
        variables.put("VFLEET_TOKEN_ORCHESTRATOR", tokens.orchestrator());
        variables.put("VFLEET_TOKEN_OPERATOR", tokens.operator());
        variables.put("VFLEET_TOKEN_AUDITOR", tokens.auditor());
        tokens.tenants().forEach((tenant, token) -> variables.put(tenantVariable(tenant), token));
        StringBuilder content = new StringBuilder();
        variables.forEach((name, value) -> content.append(name).append("='").append(value).append("'\n"));
        Path file = environmentFile();
        try {
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new StackException("cannot write " + file, e);
        }
    }

    /** The shell variable of {@code stack.env} that holds the tenant's orchestrator token. */
    static String tenantVariable(String tenant) {
        return "VFLEET_TOKEN_TENANT_" + variableName(tenant);
    }

    private static String variableName(String name) {
        return name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }
}
