package io.vfleet.assignment.adapter.agent;

import io.grpc.ManagedChannel;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.tls.FleetTransport;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The fleet's agents, one channel per node, opened on first use and closed with the service. A node's
 * agent is where {@code vfleet.agents.endpoints.<node>} says, or else where the inventory last reported
 * it; over mutual TLS the channel is used only if the certificate there names that node, and this
 * service proves itself the controller with its own certificate.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AgentEndpoints.class)
class AgentConfiguration {

    @Bean(destroyMethod = "close")
    Channels agentChannels(AgentEndpoints endpoints, Topologies topologies, FleetTransport transport) {
        return new Channels(node -> Optional.ofNullable(endpoints.endpoints().get(node))
                .or(() -> topologies.agentEndpoint(node)), transport);
    }

    /**
     * With a TLS identity, the certificate (naming the controller) is this service's only credential at
     * the agents; a token besides it is refused rather than sent, since the agents accept static tokens
     * only in the local stack.
     */
    @Bean
    NodeAgents nodeAgents(Channels channels, AgentEndpoints endpoints, FleetTransport transport) {
        if (transport.identity().isPresent()) {
            transport.identity().get().requireNames(CertificateIdentity.controllerUri(),
                    "this is the assignment service, which the agents serve NodeAgent to");
            if (!endpoints.token().isBlank()) {
                throw new IllegalStateException("vfleet.agents.token is set beside a TLS identity: the agents know this "
                        + "service by its certificate; the token is for the local stack without TLS only");
            }
        }
        return new GrpcNodeAgents(channels::of, endpoints.deadline(), endpoints.token());
    }

    /** The open channels, by node; a node whose agent moved gets a channel to where it is now. */
    static final class Channels implements AutoCloseable {

        private record Open(String target, ManagedChannel channel) {}

        private final Function<String, Optional<String>> targets;
        private final FleetTransport transport;
        private final Map<String, Open> open = new ConcurrentHashMap<>();

        Channels(Function<String, Optional<String>> targets, FleetTransport transport) {
            this.targets = targets;
            this.transport = transport;
        }

        ManagedChannel of(String node) {
            String target = targets.apply(node).orElseThrow(() -> new GrpcNodeAgents.UnknownNode(node));
            Open channel = open.compute(node, (name, current) -> {
                if (current != null && current.target().equals(target)) {
                    return current;
                }
                if (current != null) {
                    // Calls in flight on the old channel end with UNAVAILABLE: unreachable, as they were.
                    current.channel().shutdown();
                }
                return new Open(target, transport.dial(target, CertificateIdentity.nodeUri(node)));
            });
            return channel.channel();
        }

        @Override
        public void close() {
            open.values().forEach(channel -> channel.channel().shutdownNow());
        }
    }
}
