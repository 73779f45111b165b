package io.vfleet.assignment.adapter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.TlsServerCredentials;
import io.grpc.stub.StreamObserver;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.ListPreparedResponse;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.grpc.CallerInterceptor;
import io.vfleet.security.tls.FleetTransport;
import io.vfleet.security.tls.TlsFiles;
import io.vfleet.security.tls.TlsIdentity;
import io.vfleet.testsupport.pki.TestPki;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service's channels to the agents over mutual TLS, as it wires them: the agent a node's endpoint
 * leads to is used only if its certificate names that node, and the agent sees the controller's
 * certificate. Node A's agent found at node B's endpoint (a stale or forged registration) gets no call.
 */
class AgentChannelsOverTlsTest {
    private static final String NODE_A = "gpu-server-01";
    private static final String NODE_B = "gpu-server-02";

    @TempDir
    Path directory;

    private final List<List<String>> callers = new CopyOnWriteArrayList<>();
    private TlsIdentity agentIdentity;
    private TlsIdentity controllerIdentity;
    private Server agent;
    private AgentConfiguration.Channels channels;

    @BeforeEach
    void startNodeAsAgent() throws Exception {
        TestPki pki = TestPki.create();
        agentIdentity = TlsIdentity.load(TlsFiles.in(pki.issue(directory.resolve("agent"), CertificateIdentity.nodeUri(NODE_A))));
        controllerIdentity = TlsIdentity.load(TlsFiles.in(pki.issue(directory.resolve("controller"),
                CertificateIdentity.controllerUri())));
        ServerInterceptor peers = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                callers.add(CallerInterceptor.peerCertificate(call).map(CertificateIdentity::uris).orElse(List.of()));
                return next.startCall(call, headers);
            }
        };
        NodeAgentGrpc.NodeAgentImplBase service = new NodeAgentGrpc.NodeAgentImplBase() {
            @Override
            public void listPrepared(ListPreparedRequest request, StreamObserver<ListPreparedResponse> response) {
                response.onNext(ListPreparedResponse.getDefaultInstance());
                response.onCompleted();
            }
        };
        agent = Grpc.newServerBuilderForPort(0, FleetTransport.tls(agentIdentity)
                        .serverCredentials(TlsServerCredentials.ClientAuth.REQUIRE))
                .addService(ServerInterceptors.intercept(service, peers)).build().start();
        String endpoint = "127.0.0.1:" + agent.getPort();
        Map<String, String> endpoints = Map.of(NODE_A, endpoint, NODE_B, endpoint);
        channels = new AgentConfiguration.Channels(node -> Optional.ofNullable(endpoints.get(node)),
                FleetTransport.tls(controllerIdentity));
    }

    @AfterEach
    void stop() throws Exception {
        channels.close();
        agent.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        agentIdentity.close();
        controllerIdentity.close();
    }

    @Test
    void theNodesOwnAgentIsCalledWithTheControllersCertificate() {
        GrpcNodeAgents agents = new GrpcNodeAgents(channels::of, Duration.ofSeconds(10), "");

        assertThat(agents.listPrepared(NODE_A)).isEmpty();

        assertThat(callers).containsExactly(List.of(CertificateIdentity.controllerUri()));
    }

    @Test
    void anotherNodesAgentAtTheEndpointGetsNoCallAndTheNodeCountsAsUnreachable() {
        GrpcNodeAgents agents = new GrpcNodeAgents(channels::of, Duration.ofSeconds(10), "");

        NodeAgents.AgentUnreachable unreachable = catchThrowableOfType(NodeAgents.AgentUnreachable.class,
                () -> agents.listPrepared(NODE_B));

        assertThat(unreachable).isNotNull();
        assertThat(causes(unreachable)).anySatisfy(message -> assertThat(message)
                .contains("names [" + CertificateIdentity.nodeUri(NODE_A) + "], not " + CertificateIdentity.nodeUri(NODE_B)));
        assertThat(callers).isEmpty();
    }

    private static List<String> causes(Throwable failure) {
        List<String> messages = new ArrayList<>();
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            messages.add(String.valueOf(cause.getMessage()));
        }
        return messages;
    }
}
