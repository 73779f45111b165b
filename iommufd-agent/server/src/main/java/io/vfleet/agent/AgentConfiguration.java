package io.vfleet.agent;

import io.vfleet.agent.grpc.NodeAgentService;
import io.vfleet.agent.grpc.SyscallsService;
import io.vfleet.agent.inventory.InventoryRegistration;
import io.vfleet.agent.inventory.RegistrationLoop;
import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.agent.state.JournalStateStore;
import io.vfleet.agent.state.StateStore;
import io.vfleet.agent.topology.SysfsTopologyReader;
import io.vfleet.agent.vmm.AssignmentTable;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.TopologyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Wires one host per process: its topology, its saved state, and the two gRPC services over it. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AgentProperties.class)
class AgentConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgentConfiguration.class);

    @Bean
    HostTopology hostTopology(AgentProperties properties) {
        if (AgentProperties.SYSFS.equals(properties.topology())) {
            return new SysfsTopologyReader(properties.sysfsRoot()).read(hostname(properties));
        }
        Path file = Path.of(properties.topology()).toAbsolutePath();
        try {
            return TopologyLoader.load(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the topology " + file, e);
        }
    }

    @Bean
    StateStore stateStore(AgentProperties properties) {
        if (properties.inventoryTarget() == null || properties.inventoryTarget().isBlank()) {
            log.info("No inventory target configured (vfleet.agent.inventory-target): this node does not register");
        }
        return new JournalStateStore(properties.stateDirectory());
    }

    /** Saved once more when the application stops, so that nothing answered is lost. */
    @Bean(destroyMethod = "save")
    AgentHost agentHost(HostTopology topology, StateStore store) {
        return AgentHost.start(topology, store);
    }

    @Bean
    Preparations preparations(AgentHost host, AgentProperties properties) {
        Preparations preparations = new Preparations(host, new AssignmentTable(properties.stateDirectory()));
        preparations.reconcile();
        return preparations;
    }

    @Bean
    SyscallsService syscallsService(AgentHost host) {
        return new SyscallsService(host);
    }

    @Bean
    NodeAgentService nodeAgentService(AgentHost host, Preparations preparations) {
        return new NodeAgentService(host, preparations);
    }

    /**
     * Registration with the inventory service runs only when a target is configured; the client for
     * it comes with the inventory service's contract, and without one a configured target is an error.
     */
    @Bean(initMethod = "start", destroyMethod = "stop")
    @ConditionalOnProperty(prefix = "vfleet.agent", name = "inventory-target")
    RegistrationLoop registrationLoop(AgentProperties properties, AgentHost host,
            ObjectProvider<InventoryRegistration> inventory) {
        InventoryRegistration client = inventory.getIfAvailable();
        if (client == null) {
            throw new IllegalStateException("vfleet.agent.inventory-target is " + properties.inventoryTarget()
                    + " but this agent has no inventory client");
        }
        return new RegistrationLoop(client, host::topology, RegistrationLoop.Schedule.DEFAULT);
    }

    private static String hostname(AgentProperties properties) {
        if (properties.hostname() != null && !properties.hostname().isBlank()) {
            return properties.hostname();
        }
        try {
            return Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the hostname; set vfleet.agent.hostname", e);
        }
    }
}
