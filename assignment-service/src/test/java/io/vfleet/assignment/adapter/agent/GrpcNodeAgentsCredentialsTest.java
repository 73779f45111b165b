package io.vfleet.assignment.adapter.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.ListPreparedResponse;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the agents see of the service's bearer token: sent on every call when configured, absent otherwise. */
class GrpcNodeAgentsCredentialsTest {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void startAnAgentThatRecordsAuthorization() throws Exception {
        String name = InProcessServerBuilder.generateName();
        ServerInterceptor recorder = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                authorizations.add(String.valueOf(headers.get(AUTHORIZATION)));
                return next.startCall(call, headers);
            }
        };
        NodeAgentGrpc.NodeAgentImplBase agent = new NodeAgentGrpc.NodeAgentImplBase() {
            @Override
            public void listPrepared(ListPreparedRequest request, StreamObserver<ListPreparedResponse> response) {
                response.onNext(ListPreparedResponse.getDefaultInstance());
                response.onCompleted();
            }
        };
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(ServerInterceptors.intercept(agent, recorder)).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    @Test
    void everyCallCarriesTheConfiguredTokenAsBearer() {
        GrpcNodeAgents agents = new GrpcNodeAgents(node -> channel, Duration.ofSeconds(5), "agent-caller-token",
                new AgentBootIds(new SimpleMeterRegistry()));

        agents.listPrepared("node-1");
        agents.listPrepared("node-1");

        assertThat(authorizations).containsExactly("Bearer agent-caller-token", "Bearer agent-caller-token");
    }

    @Test
    void withoutATokenNoAuthorizationIsSent() {
        GrpcNodeAgents agents = new GrpcNodeAgents(node -> channel, Duration.ofSeconds(5), "",
                new AgentBootIds(new SimpleMeterRegistry()));

        agents.listPrepared("node-1");

        assertThat(authorizations).containsExactly("null");
    }
}
