package io.vfleet.assignment.adapter.agent;

import io.grpc.Channel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.assignment.application.port.NodeAgents;
import java.time.Duration;
import java.util.Map;

/** The service's own gRPC agent adapter, for tests that put real agents behind the use cases. */
public final class AgentsOverGrpc {
    private AgentsOverGrpc() {}

    /** The agents of {@code channels}, by node; any other node is unreachable. */
    public static NodeAgents of(Map<String, ? extends Channel> channels) {
        return new GrpcNodeAgents(node -> {
            Channel channel = channels.get(node);
            if (channel == null) {
                throw new GrpcNodeAgents.UnknownNode(node);
            }
            return channel;
        }, Duration.ofSeconds(30), new AgentBootIds(new SimpleMeterRegistry()));
    }
}
