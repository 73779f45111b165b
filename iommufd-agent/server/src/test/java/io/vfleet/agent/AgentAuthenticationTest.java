package io.vfleet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import io.grpc.CallCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.vfleet.agent.grpc.DurableReplies;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.nio.file.Files;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/** The agent started with caller tokens, on a real port: its own API needs one of them, health does not. */
class AgentAuthenticationTest {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private static ConfigurableApplicationContext context;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        context = SpringApplication.run(AgentApplication.class,
                "--topology=" + AgentApplicationTest.AgentHostsPath.shipped("workstation-gpu-audio"),
                "--state-dir=" + Files.createTempDirectory("agent-state"), "--grpc-port=0", "--http-port=0",
                "--spring.grpc.server.address=127.0.0.1",
                "--vfleet.agent.caller-tokens[0]=assignment-service-token", "--vfleet.agent.caller-tokens[1]=operator-token");
        int port = context.getBean(Environment.class).getRequiredProperty("local.grpc.server.port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        context.close();
    }

    @Test
    void aCallWithoutATokenIsUnauthenticated() {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                NodeAgentGrpc.newBlockingStub(channel).getTopology(GetTopologyRequest.getDefaultInstance()));

        assertUnauthenticated(refused);
        assertThat(refused.getStatus().getDescription()).contains("needs an authorization: Bearer token");
    }

    @Test
    void aCallWithAnUnknownTokenIsUnauthenticated() {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                SyscallsGrpc.newBlockingStub(channel).withCallCredentials(bearer("guessed-token"))
                        .mmap(MmapRequest.newBuilder().setPid(1).setLength(4096).setProt(3).build()));

        assertUnauthenticated(refused);
        assertThat(refused.getStatus().getDescription()).contains("not one this agent accepts");
    }

    @Test
    void aCallWithAnotherSchemeIsUnauthenticatedEvenWithAKnownToken() {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                NodeAgentGrpc.newBlockingStub(channel).withCallCredentials(credentials("Basic assignment-service-token"))
                        .getTopology(GetTopologyRequest.getDefaultInstance()));

        assertUnauthenticated(refused);
    }

    @Test
    void aCallWithAnyConfiguredTokenIsServed() {
        var topology = NodeAgentGrpc.newBlockingStub(channel).withCallCredentials(bearer("assignment-service-token"))
                .getTopology(GetTopologyRequest.getDefaultInstance());
        var listed = NodeAgentGrpc.newBlockingStub(channel).withCallCredentials(bearer("operator-token"))
                .listPrepared(io.vfleet.api.agent.v1.ListPreparedRequest.getDefaultInstance());

        assertThat(topology.getHostname()).isEqualTo("workstation-07");
        assertThat(listed.getAssignmentsList()).isEmpty();
    }

    @Test
    void healthNeedsNoToken() {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());

        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    private static void assertUnauthenticated(StatusRuntimeException refused) {
        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(refused.getTrailers().get(DurableReplies.BOOT_ID)).as("even a refused caller learns the boot id").isNotBlank();
        try {
            assertThat(StatusProto.fromThrowable(refused).getDetails(0).unpack(ErrorInfo.class).getReason())
                    .isEqualTo("UNAUTHENTICATED");
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("the refusal's first detail is not an ErrorInfo", e);
        }
    }

    private static CallCredentials bearer(String token) {
        return credentials("Bearer " + token);
    }

    private static CallCredentials credentials(String authorization) {
        return new CallCredentials() {
            @Override
            public void applyRequestMetadata(RequestInfo requestInfo, Executor executor, MetadataApplier applier) {
                Metadata headers = new Metadata();
                headers.put(AUTHORIZATION, authorization);
                applier.apply(headers);
            }
        };
    }
}
