package io.vfleet.assignment.adapter.agent;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Topologies;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The fleet's agents, one plaintext channel per node, opened on first use and closed with the
 * service. A node's agent is where {@code vfleet.agents.endpoints.<node>} says, or else where the
 * inventory last reported it.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AgentEndpoints.class)
class AgentConfiguration {

    @Bean(destroyMethod = "close")
    Channels agentChannels(AgentEndpoints endpoints, Topologies topologies) {
        return new Channels(node -> Optional.ofNullable(endpoints.endpoints().get(node))
                .or(() -> topologies.agentEndpoint(node)));
    }

    @Bean
    NodeAgents nodeAgents(Channels channels, AgentEndpoints endpoints, MeterRegistry registry) {
        return new GrpcNodeAgents(channels::of, endpoints.deadline(), endpoints.token(), new AgentBootIds(registry));
    }

    /** The open channels, by node; a node whose agent moved gets a channel to where it is now. */
    static final class Channels implements AutoCloseable {

        private record Open(String target, ManagedChannel channel) {}

        private final Function<String, Optional<String>> targets;
        private final Map<String, Open> open = new ConcurrentHashMap<>();

        Channels(Function<String, Optional<String>> targets) {
            this.targets = targets;
        }

        ManagedChannel of(String node) {
            String target = targets.apply(node).orElseThrow(() -> new GrpcNodeAgents.UnknownNode(node));
            Open channel = open.compute(node, (ignored, current) -> {
                if (current != null && current.target().equals(target)) {
                    return current;
                }
                if (current != null) {
                    // Calls in flight on the old channel end with UNAVAILABLE: unreachable, as they were.
                    current.channel().shutdown();
                }
                return new Open(target, ManagedChannelBuilder.forTarget(target).usePlaintext().build());
            });
            return channel.channel();
        }

        @Override
        public void close() {
            open.values().forEach(channel -> channel.channel().shutdownNow());
        }
    }
}
