package io.vfleet.agent;

import ch.qos.logback.classic.Level;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.grpc.AgentAccess;
import io.vfleet.agent.grpc.NodeAgentService;
import io.vfleet.agent.grpc.SyscallsAccess;
import io.vfleet.agent.grpc.SyscallsService;
import io.vfleet.agent.inventory.GrpcInventoryRegistration;
import io.vfleet.agent.inventory.RegistrationLoop;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.security.BearerAuthenticator;
import io.vfleet.security.SecuritySettings;
import io.vfleet.security.grpc.CallerInterceptor;
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
 * {@link SyscallsAccess} with the assignments' credentials), and the same inventory registration, wired as
 * {@link AgentConfiguration} wires them; it has no HTTP port.
 *
 * <pre>java -cp iommufd-agent-exec.jar -Dloader.main=io.vfleet.agent.LeanAgent \
 *     org.springframework.boot.loader.launch.PropertiesLauncher --backend=linux --topology=sysfs --node-name=lab \
 *     --config=/etc/vfleet/agent.properties</pre>
 *
 * <p>Options, each {@code --name=value}: {@code backend}, {@code topology}, {@code node-name},
 * {@code state-dir}, {@code grpc-port}, {@code sysfs-root}, {@code inventory-target},
 * {@code advertised-endpoint}, and {@code config}: a properties file with what is secret, by the Spring
 * application's names ({@link #CONFIG_NAMES}): {@code spring.profiles.active}, {@code vfleet.security.*}
 * (read by {@link SecuritySettings}) and {@code vfleet.agent.inventory-token}. An unknown option or
 * setting is refused by name, and without authentication configured the agent does not start. It stops
 * on SIGTERM or SIGINT.
 */
public final class LeanAgent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeanAgent.class);
    private static final Set<String> OPTIONS = Set.of("backend", "topology", "node-name", "state-dir", "grpc-port",
            "sysfs-root", "inventory-target", "advertised-endpoint", "config");
    static final String INVENTORY_TOKEN = "vfleet.agent.inventory-token";
    /** What a {@code --config} file may set. */
    static final String CONFIG_NAMES = SecuritySettings.PROFILES + ", " + SecuritySettings.PREFIX + "*, " + INVENTORY_TOKEN;

    private final HostTopology topology;
    private final String backend;
    private final HostKernel host;
    private final Server server;
    private final HealthStatusManager health;
    private final List<AutoCloseable> stopping;

    private LeanAgent(HostTopology topology, String backend, HostKernel host, Server server, HealthStatusManager health,
            List<AutoCloseable> stopping) {
        this.topology = topology;
        this.backend = backend;
        this.host = host;
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
        BearerAuthenticator authenticator = authenticator(config);
        int port = Integer.parseInt(options.getOrDefault("grpc-port", "9090"));
        AgentProperties properties = new AgentProperties(options.get("backend"),
                options.getOrDefault("topology", "sysfs"),
                Path.of(options.getOrDefault("state-dir", "iommufd-agent-state")),
                Path.of(options.getOrDefault("sysfs-root", "/sys")),
                options.getOrDefault("node-name", ""),
                options.get("inventory-target"),
                Duration.ofMillis(100),
                config.get(INVENTORY_TOKEN),
                options.getOrDefault("advertised-endpoint", "localhost:" + port));

        HostTopology topology = AgentConfiguration.readTopology(properties);
        HostKernel host = AgentConfiguration.openKernel(topology, properties);
        List<AutoCloseable> stopping = new ArrayList<>();
        try {
            Preparations preparations = AgentConfiguration.preparations(host, properties.stateDirectory());
            GrpcInventoryRegistration inventory = null;
            if (properties.inventoryTarget() != null && !properties.inventoryTarget().isBlank()) {
                inventory = AgentConfiguration.registration(properties, host);
                stopping.add(inventory::close);
            }
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            HealthStatusManager health = new HealthStatusManager();
            // Interceptors added to the builder run in the reverse order: the caller is authenticated and
            // checked against the table first, as Spring orders the application's global interceptors.
            Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                    .addService(new SyscallsService(host, meters))
                    .addService(new NodeAgentService(host, preparations, meters))
                    .addService(health.getHealthService())
                    .addService(ProtoReflectionServiceV1.newInstance())
                    .intercept(new SyscallsAccess(preparations, authenticator))
                    .intercept(new CallerInterceptor(authenticator, AgentAccess.table()))
                    .build()
                    .start();
            if (inventory != null) {
                RegistrationLoop loop = new RegistrationLoop(inventory, host::topology, RegistrationLoop.Schedule.DEFAULT);
                loop.start();
                stopping.addFirst(loop::stop);
            }
            return new LeanAgent(topology, properties.backend(), host, server, health, stopping);
        } catch (IOException | RuntimeException failed) {
            closeAll(stopping);
            host.close();
            throw failed;
        }
    }

    int port() {
        return server.getPort();
    }

    /** Stops serving, then registering, then closes the kernel: what the engine answered is saved, a real kernel's processes exit. */
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

    /** The authenticator the settings choose, as the Spring application's would; none configured stops the agent. */
    private static BearerAuthenticator authenticator(Map<String, String> config) {
        SecuritySettings settings;
        try {
            settings = SecuritySettings.read(config);
        } catch (IllegalArgumentException refused) {
            throw new IllegalArgumentException("--config: " + refused.getMessage(), refused);
        }
        try {
            return settings.authenticator();
        } catch (IllegalStateException refused) {
            throw new IllegalStateException(refused.getMessage() + " (the lean agent reads these settings from the "
                    + "properties file --config= names)", refused);
        }
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
