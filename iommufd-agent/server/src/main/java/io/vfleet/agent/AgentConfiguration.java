package io.vfleet.agent;

import io.grpc.ManagedChannel;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.agent.failpoint.Failpoint;
import io.vfleet.agent.grpc.AgentAccess;
import io.vfleet.agent.grpc.DurableReplies;
import io.vfleet.agent.grpc.SyscallsAccess;
import io.vfleet.agent.grpc.NodeAgentService;
import io.vfleet.agent.grpc.SyscallsService;
import io.vfleet.agent.inventory.GrpcInventoryRegistration;
import io.vfleet.agent.inventory.InventoryRegistration;
import io.vfleet.agent.inventory.RegistrationLoop;
import io.vfleet.agent.state.AgentHost;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.LinuxHost;
import io.vfleet.agent.state.StateJournal;
import io.vfleet.agent.topology.NodeName;
import io.vfleet.agent.topology.SysfsTopologyReader;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.security.BearerAuthenticator;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import io.vfleet.security.tls.FleetTransport;
import io.vfleet.security.web.RestAccess;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import io.vfleet.linux.LinuxKernel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.grpc.server.ServerBuilderCustomizer;
import org.springframework.http.HttpMethod;

/**
 * Wires one host per process: its topology, its journal, its kernel (the engine's or the real one), and
 * the two gRPC services over it, whose replies wait for the journal and carry the boot id
 * ({@link DurableReplies}). The static methods are the wiring the lean entry point ({@link LeanAgent})
 * shares.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AgentProperties.class)
class AgentConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgentConfiguration.class);

    @Bean
    HostTopology hostTopology(AgentProperties properties) {
        return readTopology(properties);
    }

    /** The topology file, or the host itself from sysfs. */
    static HostTopology readTopology(AgentProperties properties) {
        if (AgentProperties.SYSFS.equals(properties.topology())) {
            return new SysfsTopologyReader(properties.sysfsRoot()).read(NodeName.of(properties.hostname(),
                    Path.of("/proc/sys/kernel/hostname")));
        }
        Path file = Path.of(properties.topology()).toAbsolutePath();
        try {
            return TopologyLoader.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the topology " + file, e);
        }
    }

    /** The state directory read back; refuses to start on a state it cannot use (see {@code JournalRecovery}). */
    @Bean(destroyMethod = "close")
    StateJournal stateJournal(AgentProperties properties, MeterRegistry meters) {
        StateJournal journal = openJournal(properties);
        FunctionCounter.builder("vfleet.agent.journal.changes", journal, j -> j.statistics().changes())
                .description("changes written to the journal").register(meters);
        FunctionCounter.builder("vfleet.agent.journal.bytes", journal, j -> j.statistics().bytesWritten())
                .baseUnit("bytes").description("bytes written to the journal").register(meters);
        FunctionTimer.builder("vfleet.agent.journal.sync", journal, j -> j.statistics().flushes(),
                        j -> j.statistics().syncNanos(), TimeUnit.NANOSECONDS)
                .description("journal flushes and the time their fsyncs took; one flush covers the changes of every waiting reply")
                .register(meters);
        FunctionCounter.builder("vfleet.agent.journal.compactions", journal, j -> j.statistics().compactions())
                .description("bases written by compaction").register(meters);
        return journal;
    }

    static StateJournal openJournal(AgentProperties properties) {
        return StateJournal.open(properties.stateDirectory(), properties.compactAfterChanges());
    }

    /**
     * The kernel served: the engine's host, restored from the journal and recording every change in it;
     * or the real kernel, which keeps its own state, and whose processes exit when the application stops.
     * The journal, closed after the kernel, makes what is pending durable.
     */
    @Bean(destroyMethod = "close")
    HostKernel hostKernel(HostTopology topology, StateJournal journal, AgentProperties properties, FleetTransport transport) {
        transport.identity().ifPresent(identity -> identity.requireNames(CertificateIdentity.nodeUri(topology.hostname()),
                "this agent serves node '" + topology.hostname() + "'"));
        if (properties.inventoryTarget() == null || properties.inventoryTarget().isBlank()) {
            log.info("No inventory target configured (vfleet.agent.inventory-target): this node does not register");
        }
        return openKernel(topology, properties, journal);
    }

    /**
     * The real kernel takes none of a simulated host's state: a state directory holding one is refused
     * ({@link StateJournal#declineRecoveredKernel}), and the journal keeps the assignments alone.
     */
    static HostKernel openKernel(HostTopology topology, AgentProperties properties, StateJournal journal) {
        if (AgentProperties.LINUX.equals(properties.backend())) {
            journal.declineRecoveredKernel();
            log.info("Serving the real kernel of this host ({} profile): system calls are made on it", topology.kernel().profile().label());
            return new LinuxHost(LinuxKernel.open(), topology, new SysfsTopologyReader(properties.sysfsRoot()));
        }
        return AgentHost.start(topology, journal);
    }

    /**
     * The assignment table from the journal, reconciled with the host; then a base written at once, before
     * anything is served, makes the journal's next start read one base and what follows it.
     */
    @Bean
    static Preparations preparations(HostKernel host, StateJournal journal) {
        Preparations preparations = new Preparations(host, journal);
        preparations.reconcile();
        journal.compactNow();
        return preparations;
    }

    /** The replies' durability and this start's boot id, new each time the agent process starts. */
    @Bean
    static DurableReplies durableReplies(StateJournal journal, MeterRegistry meters) {
        String bootId = UUID.randomUUID().toString();
        log.info("Agent boot id {}", bootId);
        return new DurableReplies(journal, bootId, meters);
    }

    /**
     * {@link DurableReplies} on the server itself, outside every service's interceptors (authentication
     * among them), so that every reply, an unauthenticated refusal too, carries the boot id.
     */
    @Bean
    ServerBuilderCustomizer<?> durableRepliesOutermost(DurableReplies replies) {
        return outermost(replies);
    }

    private static <B extends ServerBuilder<B>> ServerBuilderCustomizer<B> outermost(ServerInterceptor interceptor) {
        return builder -> builder.intercept(interceptor);
    }

    /** DOWN once the journal failed: the agent answers nothing more and must restart from its disk. */
    @Bean
    HealthIndicator journal(StateJournal journal) {
        return () -> journal.failure() == null ? Health.up().build()
                : Health.down().withDetail("failure", String.valueOf(journal.failure())).build();
    }

    /**
     * Failpoints, when a crash test armed one, park only from the moment the gRPC server is about to
     * accept calls: what the agent wrote while starting does not count, and the first call does.
     */
    @Bean
    SmartLifecycle failpointsArmedBeforeServing() {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                Failpoint.serving();
                running = true;
            }

            @Override
            public void stop() {
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            // Before the gRPC server's own lifecycle, which starts in the default phase.
            @Override
            public int getPhase() {
                return SmartLifecycle.DEFAULT_PHASE - 1;
            }
        };
    }

    @Bean
    SyscallsService syscallsService(HostKernel host, MeterRegistry meters) {
        return new SyscallsService(host, meters);
    }

    @Bean
    NodeAgentService nodeAgentService(HostKernel host, Preparations preparations, MeterRegistry meters) {
        Gauge.builder("vfleet.agent.prepared.assignments", preparations, prepared -> prepared.prepared().size())
                .description("assignments prepared on this node").register(meters);
        return new NodeAgentService(host, preparations, meters);
    }

    /** Who may call what ({@link AgentAccess}); the lean entry point serves the same table. */
    @Bean
    GrpcAccess grpcAccess() {
        return AgentAccess.table();
    }

    @Bean
    @GlobalServerInterceptor
    SyscallsAccess syscallsAccess(Preparations preparations, BearerAuthenticator tokens) {
        return new SyscallsAccess(preparations, tokens);
    }

    /** The HTTP side: health open for the kubelet, the Prometheus scrape for operators and auditors. */
    @Bean
    RestAccess restAccess() {
        return new RestAccess().open("/actuator/health", "/actuator/health/**")
                .allow(HttpMethod.GET, "/actuator/prometheus", Role.OPERATOR, Role.AUDITOR);
    }

    /**
     * The inventory over gRPC, when a target is configured: over mutual TLS, the node's certificate is
     * what the inventory takes its registration from, and the inventory must prove its own identity; in
     * the local profile without TLS, the node's agent token says who registers.
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(prefix = "vfleet.agent", name = "inventory-target")
    GrpcInventoryRegistration inventoryRegistration(AgentProperties properties, HostKernel host, FleetTransport transport) {
        return registration(properties, host, transport);
    }

    static GrpcInventoryRegistration registration(AgentProperties properties, HostKernel host, FleetTransport transport) {
        boolean certified = transport.identity().isPresent();
        if (!certified && (properties.inventoryToken() == null || properties.inventoryToken().isBlank())) {
            throw new IllegalStateException("vfleet.agent.inventory-target is set but neither a TLS identity (vfleet.tls.directory) "
                    + "nor vfleet.agent.inventory-token is: the inventory accepts a node's registration only from that node's "
                    + "certificate, or in the local stack its agent token");
        }
        if (properties.advertisedEndpoint() == null || properties.advertisedEndpoint().isBlank()
                || properties.advertisedEndpoint().endsWith(":0")) {
            throw new IllegalStateException("vfleet.agent.advertised-endpoint must say where the central services reach "
                    + "this agent (host:port), was '" + properties.advertisedEndpoint() + "'");
        }
        ManagedChannel channel = transport.dial(properties.inventoryTarget(), CertificateIdentity.INVENTORY);
        return new GrpcInventoryRegistration(channel, certified ? null : properties.inventoryToken(), host,
                properties.advertisedEndpoint(), Duration.ofSeconds(10));
    }

    /** Registration with the inventory service runs only when a target is configured. */
    @Bean(initMethod = "start", destroyMethod = "stop")
    @ConditionalOnProperty(prefix = "vfleet.agent", name = "inventory-target")
    RegistrationLoop registrationLoop(HostKernel host, InventoryRegistration inventory) {
        return new RegistrationLoop(inventory, host::topology, RegistrationLoop.Schedule.DEFAULT);
    }
}
