package io.vfleet.agent;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.agent.grpc.AgentAccess;
import io.vfleet.agent.grpc.SyscallsAccess;
import io.vfleet.agent.grpc.NodeAgentService;
import io.vfleet.agent.grpc.SyscallsService;
import io.vfleet.agent.inventory.GrpcInventoryRegistration;
import io.vfleet.agent.inventory.InventoryRegistration;
import io.vfleet.agent.inventory.RegistrationLoop;
import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.agent.kernel.HostKernel;
import io.vfleet.agent.kernel.LinuxHost;
import io.vfleet.agent.topology.NodeName;
import io.vfleet.agent.topology.SysfsTopologyReader;
import io.vfleet.agent.vmm.AssignmentTable;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.security.BearerAuthenticator;
import io.vfleet.security.Role;
import io.vfleet.security.grpc.GrpcAccess;
import io.vfleet.security.web.RestAccess;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import io.vfleet.linux.LinuxKernel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.http.HttpMethod;

/** Wires one host per process: its topology, its kernel (the engine's or the real one), and the two gRPC services over it. */
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

    /**
     * The kernel served: the engine's host, closed when the application stops, which writes the last
     * snapshot so that nothing answered is lost; or the real kernel, whose processes exit then.
     */
    @Bean(destroyMethod = "close")
    HostKernel hostKernel(HostTopology topology, AgentProperties properties) {
        if (properties.inventoryTarget() == null || properties.inventoryTarget().isBlank()) {
            log.info("No inventory target configured (vfleet.agent.inventory-target): this node does not register");
        }
        return openKernel(topology, properties);
    }

    static HostKernel openKernel(HostTopology topology, AgentProperties properties) {
        if (AgentProperties.LINUX.equals(properties.backend())) {
            log.info("Serving the real kernel of this host ({} profile): system calls are made on it", topology.kernel().profile().label());
            return new LinuxHost(LinuxKernel.open(), topology, new SysfsTopologyReader(properties.sysfsRoot()));
        }
        return AgentHost.start(topology, properties.stateDirectory(), properties.snapshotDelay());
    }

    /** Prepare's table, with what a restart left reconciled. */
    static Preparations preparations(HostKernel host, Path stateDirectory) {
        Preparations preparations = new Preparations(host, new AssignmentTable(stateDirectory));
        preparations.reconcile();
        return preparations;
    }

    @Bean
    Preparations preparations(HostKernel host, AgentProperties properties) {
        return preparations(host, properties.stateDirectory());
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

    /** The inventory over gRPC, when a target is configured; plaintext inside the cluster network. */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(prefix = "vfleet.agent", name = "inventory-target")
    GrpcInventoryRegistration inventoryRegistration(AgentProperties properties, HostKernel host) {
        return registration(properties, host);
    }

    static GrpcInventoryRegistration registration(AgentProperties properties, HostKernel host) {
        if (properties.inventoryToken() == null || properties.inventoryToken().isBlank()) {
            throw new IllegalStateException("vfleet.agent.inventory-target is set but vfleet.agent.inventory-token is not: "
                    + "the inventory accepts a node's registration only with that node's agent token");
        }
        if (properties.advertisedEndpoint() == null || properties.advertisedEndpoint().isBlank()
                || properties.advertisedEndpoint().endsWith(":0")) {
            throw new IllegalStateException("vfleet.agent.advertised-endpoint must say where the central services reach "
                    + "this agent (host:port), was '" + properties.advertisedEndpoint() + "'");
        }
        ManagedChannel channel = ManagedChannelBuilder.forTarget(properties.inventoryTarget()).usePlaintext().build();
        return new GrpcInventoryRegistration(channel, properties.inventoryToken(), host, properties.advertisedEndpoint(),
                Duration.ofSeconds(10));
    }

    /** Registration with the inventory service runs only when a target is configured. */
    @Bean(initMethod = "start", destroyMethod = "stop")
    @ConditionalOnProperty(prefix = "vfleet.agent", name = "inventory-target")
    RegistrationLoop registrationLoop(HostKernel host, InventoryRegistration inventory) {
        return new RegistrationLoop(inventory, host::topology, RegistrationLoop.Schedule.DEFAULT);
    }
}
