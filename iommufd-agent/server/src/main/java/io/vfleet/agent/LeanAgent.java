package io.vfleet.agent;

import ch.qos.logback.classic.Level;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.grpc.BearerTokenInterceptor;
import io.vfleet.agent.grpc.NodeAgentService;
import io.vfleet.agent.grpc.SyscallsService;
import io.vfleet.agent.inventory.GrpcInventoryRegistration;
import io.vfleet.agent.inventory.RegistrationLoop;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.engine.topology.HostTopology;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent without Spring, for a host where start-up time counts more than HTTP health and metrics: the
 * kernel lab's guest, where QEMU emulates every instruction and the Spring application takes minutes to
 * start. It serves the same two gRPC services, with gRPC health and reflection, the same caller tokens and
 * the same inventory registration, wired as {@link AgentConfiguration} wires them; it has no HTTP port.
 *
 * <pre>java -cp iommufd-agent-exec.jar -Dloader.main=io.vfleet.agent.LeanAgent \
 *     org.springframework.boot.loader.launch.PropertiesLauncher --backend=linux --topology=sysfs --node-name=lab</pre>
 *
 * <p>Options, each {@code --name=value}: {@code backend}, {@code topology}, {@code node-name},
 * {@code state-dir}, {@code grpc-port}, {@code sysfs-root}, {@code caller-tokens} (comma-separated),
 * {@code inventory-target}, {@code inventory-token}, {@code advertised-endpoint}. An unknown option is
 * refused by name. It stops on SIGTERM or SIGINT.
 */
public final class LeanAgent {
    private static final Logger log = LoggerFactory.getLogger(LeanAgent.class);
    private static final Set<String> OPTIONS = Set.of("backend", "topology", "node-name", "state-dir", "grpc-port",
            "sysfs-root", "caller-tokens", "inventory-target", "inventory-token", "advertised-endpoint");

    private LeanAgent() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        long started = System.nanoTime();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
        Map<String, String> options = options(args);
        int port = Integer.parseInt(options.getOrDefault("grpc-port", "9090"));
        AgentProperties properties = new AgentProperties(options.get("backend"),
                options.getOrDefault("topology", "sysfs"),
                Path.of(options.getOrDefault("state-dir", "iommufd-agent-state")),
                Path.of(options.getOrDefault("sysfs-root", "/sys")),
                options.getOrDefault("node-name", ""),
                options.get("inventory-target"),
                Duration.ofMillis(100),
                options.get("inventory-token"),
                options.getOrDefault("advertised-endpoint", "localhost:" + port),
                options.containsKey("caller-tokens") ? List.of(options.get("caller-tokens").split(",")) : List.of());

        HostTopology topology = AgentConfiguration.readTopology(properties);
        HostKernel host = AgentConfiguration.openKernel(topology, properties);
        Preparations preparations = AgentConfiguration.preparations(host, properties.stateDirectory());
        BearerTokenInterceptor tokens = new BearerTokenInterceptor(properties.callerTokens());
        if (!tokens.enforcing()) {
            log.warn("No caller tokens configured (--caller-tokens=): this agent serves Syscalls and NodeAgent to anyone "
                    + "who reaches its gRPC port");
        }
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        HealthStatusManager health = new HealthStatusManager();
        Server server = Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
                .addService(ServerInterceptors.intercept(new SyscallsService(host, meters), tokens))
                .addService(ServerInterceptors.intercept(new NodeAgentService(host, preparations, meters), tokens))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .build()
                .start();

        List<AutoCloseable> stopping = new ArrayList<>();
        if (properties.inventoryTarget() != null && !properties.inventoryTarget().isBlank()) {
            GrpcInventoryRegistration inventory = AgentConfiguration.registration(properties, host);
            RegistrationLoop loop = new RegistrationLoop(inventory, host::topology, RegistrationLoop.Schedule.DEFAULT);
            loop.start();
            stopping.add(loop::stop);
            stopping.add(inventory::close);
        }
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            health.enterTerminalState();
            server.shutdown();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (AutoCloseable closing : stopping) {
                try {
                    closing.close();
                } catch (Exception e) {
                    log.warn("Stopping {} failed", closing, e);
                }
            }
            host.close();
        }));
        log.info("Agent for node {} serving {} on gRPC port {}, started in {} ms", topology.hostname(),
                properties.backend(), server.getPort(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        server.awaitTermination();
    }

    static Map<String, String> options(String[] args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (String argument : args) {
            if (!argument.startsWith("--") || !argument.contains("=")) {
                throw new IllegalArgumentException("'" + argument + "' is not an option --name=value; options: " + OPTIONS);
            }
            String name = argument.substring(2, argument.indexOf('='));
            if (!OPTIONS.contains(name)) {
                throw new IllegalArgumentException("--" + name + " is not an option of the lean agent; options: "
                        + Arrays.toString(OPTIONS.stream().sorted().toArray()));
            }
            options.put(name, argument.substring(argument.indexOf('=') + 1));
        }
        return options;
    }
}
