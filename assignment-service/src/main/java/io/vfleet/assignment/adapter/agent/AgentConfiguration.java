package io.vfleet.assignment.adapter.agent;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.vfleet.assignment.application.port.NodeAgents;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The agents of the configured endpoints, one plaintext channel per node, opened on first use and closed with the service. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AgentEndpoints.class)
class AgentConfiguration {

    @Bean(destroyMethod = "close")
    Channels agentChannels(AgentEndpoints endpoints) {
        return new Channels(endpoints);
    }

    @Bean
    NodeAgents nodeAgents(Channels channels, AgentEndpoints endpoints) {
        return new GrpcNodeAgents(channels::of, endpoints.deadline());
    }

    /** The open channels, by node. */
    static final class Channels implements AutoCloseable {
        private final AgentEndpoints endpoints;
        private final Map<String, ManagedChannel> open = new ConcurrentHashMap<>();

        Channels(AgentEndpoints endpoints) {
            this.endpoints = endpoints;
        }

        ManagedChannel of(String node) {
            String target = endpoints.endpoints().get(node);
            if (target == null) {
                throw new GrpcNodeAgents.UnknownNode(node);
            }
            return open.computeIfAbsent(node, ignored -> ManagedChannelBuilder.forTarget(target).usePlaintext().build());
        }

        @Override
        public void close() {
            open.values().forEach(ManagedChannel::shutdownNow);
        }
    }
}
