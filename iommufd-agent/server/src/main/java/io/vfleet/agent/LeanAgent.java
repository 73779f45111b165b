package io.vfleet.agent;

import ch.qos.logback.classic.Level;
import io.grpc.Grpc;
import io.grpc.Server;
import io.grpc.TlsServerCredentials;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.failpoint.Failpoint;
import io.vfleet.agent.grpc.AgentAccess;
import io.vfleet.agent.grpc.DurableReplies;
import io.vfleet.agent.grpc.NodeAgentService;
import io.vfleet.agent.grpc.SyscallsAccess;
import io.vfleet.agent.grpc.SyscallsService;
import io.vfleet.agent.inventory.GrpcInventoryRegistration;
import io.vfleet.agent.inventory.RegistrationLoop;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.state.StateJournal;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.security.AuthenticationMode;
import io.vfleet.security.BearerAuthenticator;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.SecuritySettings;
import io.vfleet.security.grpc.CallerInterceptor;
import io.vfleet.security.tls.FleetTransport;
import io.vfleet.security.tls.TlsFiles;
import io.vfleet.security.tls.TlsIdentity;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent without Spring, for a host where start-up time counts more than HTTP health and metrics: the
 * kernel lab's guest, where QEMU emulates every instruction and the Spring application takes minutes to
 * start. It serves the same two gRPC services, with gRPC health and reflection, behind the same
 * authentication and authorization ({@link CallerInterceptor} over {@link AgentAccess}'s table, then
 * {@link SyscallsAccess} with the assignments' credentials), the same state directory and durable replies
 * ({@link DurableReplies}, outermost, so every reply carries the boot id), and the same inventory
 * registration, wired as {@link AgentConfiguration} wires them; it has no HTTP port. With {@code --tls-dir}
 * it speaks the fleet's mutual TLS as the Spring application does with {@code vfleet.tls.directory}: it
 * serves with the node's certificate (a client certificate is checked when presented, and is how the
 * controller proves itself), registers by it, and reads the files again every 10 s; without one it serves
 * plaintext, and only in the local profile.
 *
 * <pre>java -cp iommufd-agent-exec.jar -Dloader.main=io.vfleet.agent.LeanAgent \
 *     org.springframework.boot.loader.launch.PropertiesLauncher --backend=linux --topology=sysfs --node-name=lab \
 *     --config=/etc/vfleet/agent.properties</pre>
 *
 * <p>Options, each {@code --name=value}: {@code backend}, {@code topology}, {@code node-name},
 * {@code state-dir}, {@code grpc-port}, {@code sysfs-root}, {@code inventory-target},
 * {@code advertised-endpoint}, {@code tls-dir} (a directory with {@code tls.crt}, {@code tls.key} and
 * {@code ca.crt}), and {@code config}: a properties file with what is secret, by the Spring
 * application's names ({@link #CONFIG_NAMES}): {@code spring.profiles.active}, {@code vfleet.security.*}
 * (read by {@link SecuritySettings}) and {@code vfleet.agent.inventory-token}. An unknown option or
 * setting is refused by name, and without authentication configured the agent does not start. It stops
 * on SIGTERM or SIGINT.
 */
public final class LeanAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeanAgent.class);
    private static final Set<String> OPTIONS = Set.of("backend", "topology", "node-name", "state-dir", "grpc-port",
            "sysfs-root", "inventory-target", "advertised-endpoint", "tls-dir", "config");
    /** The Spring application's default ({@code vfleet.agent.compact-after-changes}). */
    static final long COMPACT_AFTER_CHANGES = 50_000;
    static final String INVENTORY_TOKEN = "vfleet.agent.inventory-token";
    /** What a {@code --config} file may set. */
    static final String CONFIG_NAMES = SecuritySettings.PROFILES + ", " + SecuritySettings.PREFIX + "*, " + INVENTORY_TOKEN;
    private static final Duration TLS_RELOAD_INTERVAL = Duration.ofSeconds(10);

    private final HostTopology topology;
    private final String backend;
    private final HostKernel host;
    private final StateJournal journal;
    private final Server server;
    private final HealthStatusManager health;
    private final List<AutoCloseable> stopping;

    private LeanAgent(HostTopology topology, String backend, HostKernel host, StateJournal journal, Server server,
            HealthStatusManager health, List<AutoCloseable> stopping) {
        this.topology = topology;
        this.backend = backend;
        this.host = host;
        this.journal = journal;
        this.server = server;
        this.health = health;
        this.stopping = stopping;
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        long started = System.nanoTime();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        LeanAgent agent = start(args);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(agent::close));
        log.info("Agent for node {} serving {} on gRPC port {}, started in {} ms", agent.topology.hostname(), agent.backend,
                agent.port(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        agent.server.awaitTermination();
    }

    /**
     * Reads the options and the settings, refuses any that are wrong before it touches the kernel, then
     * opens the kernel and serves it.
     */
    static LeanAgent start(String[] args) throws IOException {
        Map<String, String> options = options(args);
        Map<String, String> config = options.containsKey("config") ? config(Path.of(options.get("config"))) : Map.of();
        SecuritySettings settings = settings(config);
        BearerAuthenticator authenticator = authenticator(settings);
        int port = Integer.parseInt(options.getOrDefault("grpc-port", "9090"));
        AgentProperties properties = new AgentProperties(options.get("backend"),
                options.getOrDefault("topology", "sysfs"),
                Path.of(options.getOrDefault("state-dir", "iommufd-agent-state")),
                Path.of(options.getOrDefault("sysfs-root", "/sys")),
                options.getOrDefault("node-name", ""),
                options.get("inventory-target"),
                COMPACT_AFTER_CHANGES,
                config.get(INVENTORY_TOKEN),
                options.getOrDefault("advertised-endpoint", "localhost:" + port));

        HostTopology topology = AgentConfiguration.readTopology(properties);
        FleetTransport transport = transport(options.get("tls-dir"), settings.activeProfiles(), topology);
        List<AutoCloseable> stopping = new ArrayList<>();
        transport.identity().ifPresent(stopping::add);
        StateJournal journal;
        HostKernel host;
        try {
            journal = AgentConfiguration.openJournal(properties);
        } catch (RuntimeException failed) {
            closeAll(stopping);
            throw failed;
        }
        try {
            host = AgentConfiguration.openKernel(topology, properties, journal);
        } catch (RuntimeException failed) {
            closeAll(stopping);
            journal.close();
            throw failed;
        }
        try {
            Preparations preparations = AgentConfiguration.preparations(host, journal);
            GrpcInventoryRegistration inventory = null;
            if (properties.inventoryTarget() != null && !properties.inventoryTarget().isBlank()) {
                inventory = AgentConfiguration.registration(properties, host, transport);
                stopping.addFirst(inventory);
            }
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            HealthStatusManager health = new HealthStatusManager();
            Failpoint.serving();
            // Interceptors added to the builder run in the reverse order: the reply waits for the journal
            // outside everything, then the caller is authenticated and checked against the table, as Spring
            // orders the application's global interceptors.
            Server server = Grpc.newServerBuilderForPort(port, transport.serverCredentials(TlsServerCredentials.ClientAuth.OPTIONAL))
                    .addService(new SyscallsService(host, meters))
                    .addService(new NodeAgentService(host, preparations, meters))
                    .addService(health.getHealthService())
                    .addService(ProtoReflectionServiceV1.newInstance())
                    .intercept(new SyscallsAccess(preparations, authenticator))
                    .intercept(new CallerInterceptor(authenticator, AgentAccess.table()))
                    .intercept(AgentConfiguration.durableReplies(journal, meters))
                    .build()
                    .start();
            if (inventory != null) {
                RegistrationLoop loop = new RegistrationLoop(inventory, host::topology, RegistrationLoop.Schedule.DEFAULT);
                loop.start();
                stopping.addFirst(loop::stop);
            }
            return new LeanAgent(topology, properties.backend(), host, journal, server, health, stopping);
        } catch (IOException | RuntimeException failed) {
            closeAll(stopping);
            host.close();
            journal.close();
            throw failed;
        }
    }

    int port() {
        return server.getPort();
    }

    /**
     * Stops serving, then registering, then closes the kernel (a real kernel's processes exit), then the
     * journal, which makes what is pending durable.
     */
    @Override
    public void close() {
        health.enterTerminalState();
        server.shutdown();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.shutdownNow();
        closeAll(stopping);
        host.close();
        journal.close();
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String argument : args) {
            if (!argument.startsWith("--") || !argument.contains("=")) {
                throw new IllegalArgumentException("'" + argument + "' is not an option --name=value; options: " + sorted(OPTIONS));
            }
            String name = argument.substring(2, argument.indexOf('='));
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("--" + name + " is not an option of the lean agent; options: " + sorted(OPTIONS)
                        + (name.startsWith("vfleet.") || name.startsWith("spring.") || name.equals("inventory-token")
                                ? "; settings that are secret go in the file --config= names" : ""));
            }
            options.put(name, argument.substring(argument.indexOf('=') + 1));
        }
        return options;
    }

    /** The {@code --config} file's settings; a name it may not set is refused with the file and the name. */
    static Map<String, String> config(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException unreadable) {
            throw new UncheckedIOException("--config: cannot read " + file, unreadable);
        }
        Map<String, String> config = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            if (!name.equals(SecuritySettings.PROFILES) && !name.startsWith(SecuritySettings.PREFIX) && !name.equals(INVENTORY_TOKEN)) {
                throw new IllegalArgumentException(file + ": " + name + " is not a setting of the lean agent's --config; "
                        + "it takes " + CONFIG_NAMES);
            }
            config.put(name, properties.getProperty(name));
        }
        return config;
    }

    private static SecuritySettings settings(Map<String, String> config) {
        try {
            return SecuritySettings.read(config);
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException("--config: " + refused.getMessage(), refused);
        }
    }

    /** The authenticator the settings choose, as the Spring application's would; none configured stops the agent. */
    private static BearerAuthenticator authenticator(SecuritySettings settings) {
        try {
            return settings.authenticator();
        } catch (IllegalStateException refused) {
            throw new IllegalStateException(refused.getMessage() + " (the lean agent reads these settings from the "
                    + "properties file --config= names)", refused);
        }
    }

    /**
     * Mutual TLS with the node's certificate in {@code tlsDirectory}, which must name the node served;
     * without one, plaintext, which only the local profile allows (as the Spring application's).
     */
    private static FleetTransport transport(String tlsDirectory, List<String> activeProfiles, HostTopology topology) {
        if (tlsDirectory == null) {
            if (!AuthenticationMode.local(activeProfiles)) {
                throw new IllegalStateException("No TLS identity is configured, and outside the local profile the agent "
                        + "speaks to the fleet only over mutual TLS: give --tls-dir= a directory with tls.crt, tls.key and "
                        + "ca.crt naming " + CertificateIdentity.nodeUri(topology.hostname()));
            }
            log.warn("No TLS identity (--tls-dir=): gRPC to and from this agent is plaintext, which only the local profile allows");
            return FleetTransport.plaintext();
        }
        TlsIdentity identity = TlsIdentity.load(TlsFiles.in(Path.of(tlsDirectory)));
        try {
            identity.requireNames(CertificateIdentity.nodeUri(topology.hostname()),
                    "this agent serves node '" + topology.hostname() + "'");
        } catch (IllegalStateException refused) {
            identity.close();
            throw refused;
        }
        return FleetTransport.tls(identity.watch(TLS_RELOAD_INTERVAL));
    }

    private static void closeAll(List<AutoCloseable> closing) {
        for (AutoCloseable each : closing) {
            try {
                each.close();
            } catch (Exception e) {
                log.warn("Stopping {} failed", each, e);
            }
        }
    }

    private static String sorted(Set<String> names) {
        return Arrays.toString(names.stream().sorted().toArray());
    }
}
