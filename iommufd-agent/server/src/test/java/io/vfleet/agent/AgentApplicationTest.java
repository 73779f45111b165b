package io.vfleet.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IommuIoasMap;
import io.vfleet.api.agent.v1.IommuIoasUnmap;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.api.agent.v1.VfioGroupGetDeviceFd;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * The application as it runs: started from its main class with command-line arguments, on a real
 * port, then stopped and started again on the same state directory.
 */
class AgentApplicationTest {
    @TempDir
    static Path state;
    private static ConfigurableApplicationContext context;
    private static ManagedChannel channel;

    @BeforeAll
    static void start() throws Exception {
        context = run();
        channel = channel(context);
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        context.close();
    }

    private static ConfigurableApplicationContext run() {
        return SpringApplication.run(AgentApplication.class, "--topology=" + AgentHostsPath.shipped("workstation-gpu-audio"),
                "--state-dir=" + state, "--grpc-port=0", "--http-port=0", "--spring.grpc.server.address=127.0.0.1",
                "--spring.grpc.server.inbound.message.max-size=64KB",
                "--spring.profiles.active=local", "--vfleet.security.tokens[0].token=controller-token",
                "--vfleet.security.tokens[0].role=controller", "--vfleet.security.tokens[1].token=operator-token",
                "--vfleet.security.tokens[1].role=operator");
    }

    private static ManagedChannel channel(ConfigurableApplicationContext running) {
        int port = running.getBean(Environment.class).getRequiredProperty("local.grpc.server.port", Integer.class);
        return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @Test
    void servesHealthTopologyPreparationsAndSystemCallsAndKeepsThemAcrossARestart() throws Exception {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        var topology = nodeAgent().getTopology(GetTopologyRequest.getDefaultInstance());
        assertThat(topology.getHostname()).isEqualTo("workstation-07");
        assertThat(topology.getVfioDevicesList()).extracting(device -> device.getCdevPath())
                .contains("/dev/vfio/devices/vfio0");
        var prepared = nodeAgent().prepare(PrepareRequest.newBuilder().setAssignmentId("a-1")
                .setTenant("acme").addDevices("0000:01:00.0").addDevices("0000:01:00.1").setWithKvm(true).setEpoch(7).build());

        StatusRuntimeException refused = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class, () ->
                nodeAgent().prepare(PrepareRequest.newBuilder().setAssignmentId("a-2")
                        .setTenant("globex").addDevices("0000:02:00.0").setEpoch(1).build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        ErrorInfo info = StatusProto.fromThrowable(refused).getDetails(0).unpack(ErrorInfo.class);
        assertThat(info.getReason()).isEqualTo("EPERM");
        assertThat(info.getMetadataMap()).containsEntry("errno", "1").containsEntry("device", "0000:02:00.0");

        var syscalls = syscalls(prepared.getSyscallsCredential());
        long guestRam = syscalls.mmap(MmapRequest.newBuilder().setPid(prepared.getPid()).setLength(2 << 20).setProt(3).build())
                .getAddr();
        long iova = syscalls.ioctl(IoctlRequest.newBuilder().setPid(prepared.getPid()).setFd(prepared.getIommufd())
                .setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(1 | 2).setIoasId(prepared.getIoasId())
                        .setUserVa(guestRam).setLength(2 << 20))
                .build()).getIommuIoasMap().getIova();

        channel.shutdownNow();
        context.close();
        context = run();
        channel = channel(context);

        var unmapped = syscalls(prepared.getSyscallsCredential()).ioctl(IoctlRequest.newBuilder().setPid(prepared.getPid())
                .setFd(prepared.getIommufd()).setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(prepared.getIoasId())
                        .setIova(iova).setLength(2 << 20)).build());
        assertThat(unmapped.getIommuIoasUnmap().getLength()).as("the map answered just before the restart is still there")
                .isEqualTo(2 << 20);
        var listed = nodeAgent().listPrepared(io.vfleet.api.agent.v1.ListPreparedRequest.getDefaultInstance());
        assertThat(listed.getAssignmentsList()).singleElement().satisfies(assignment ->
                assertThat(assignment.getPrepared()).isEqualTo(prepared));
        StatusRuntimeException stale = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class, () ->
                nodeAgent().release(io.vfleet.api.agent.v1.ReleaseRequest.newBuilder()
                        .setAssignmentId("a-1").setEpoch(6).build()));
        assertThat(stale.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(StatusProto.fromThrowable(stale).getDetails(0).unpack(ErrorInfo.class).getReason()).isEqualTo("STALE_EPOCH");
    }

    @Test
    void anOversizedMessageIsRefusedByTheTransportNotAsAnInternalError() {
        StatusRuntimeException refused = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class, () ->
                syscalls("operator-token").ioctl(IoctlRequest.newBuilder().setPid(100).setFd(3)
                        .setVfioGroupGetDeviceFd(VfioGroupGetDeviceFd.newBuilder().setName("x".repeat(100_000))).build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    }

    @Test
    void exposesHealthAndPrometheusMetricsOverHttp() throws Exception {
        StatusRuntimeException refused = org.assertj.core.api.Assertions.catchThrowableOfType(StatusRuntimeException.class, () ->
                syscalls("operator-token").close(io.vfleet.api.agent.v1.CloseRequest.newBuilder()
                        .setPid(4242).setFd(3).build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        nodeAgent().listPrepared(io.vfleet.api.agent.v1.ListPreparedRequest.getDefaultInstance());
        int port = context.getBean(Environment.class).getRequiredProperty("local.server.port", Integer.class);
        var http = java.net.http.HttpClient.newHttpClient();
        var health = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        var metricsUri = java.net.URI.create("http://127.0.0.1:" + port + "/actuator/prometheus");
        var metrics = http.send(java.net.http.HttpRequest.newBuilder(metricsUri).header("Authorization", "Bearer operator-token").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        var anonymous = http.send(java.net.http.HttpRequest.newBuilder(metricsUri).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        var controller = http.send(java.net.http.HttpRequest.newBuilder(metricsUri).header("Authorization", "Bearer controller-token").build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(controller.statusCode()).isEqualTo(403);

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
        assertThat(metrics.body())
                .contains("vfleet_agent_syscall_errors_total{call=\"Close\",errno=\"ESRCH\"")
                .contains("vfleet_agent_operation_seconds_bucket{operation=\"list_prepared\",outcome=\"ok\"")
                .contains("vfleet_agent_prepared_assignments")
                .contains("vfleet_agent_journal_sync_seconds_count", "vfleet_agent_journal_changes_total",
                        "vfleet_agent_reply_durability_seconds_count");
    }

    private static NodeAgentGrpc.NodeAgentBlockingStub nodeAgent() {
        return NodeAgentGrpc.newBlockingStub(channel).withInterceptors(bearer("controller-token"));
    }

    private static SyscallsGrpc.SyscallsBlockingStub syscalls(String credential) {
        return SyscallsGrpc.newBlockingStub(channel).withInterceptors(bearer(credential));
    }

    static io.grpc.ClientInterceptor bearer(String credential) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + credential);
        return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** The shipped topologies, by path. */
    static final class AgentHostsPath {
        static Path shipped(String name) {
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve("deploy/topologies/" + name + ".yaml");
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
            throw new IllegalStateException("no shipped topology " + name);
        }
    }
}
