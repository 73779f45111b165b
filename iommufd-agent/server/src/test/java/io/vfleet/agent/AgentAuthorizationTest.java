package io.vfleet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.vfleet.agent.grpc.DurableReplies;
import io.vfleet.api.agent.v1.CloseRequest;
import io.vfleet.api.agent.v1.ExitRequest;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.ReleaseRequest;
import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * Least privilege on the agent, started as it runs (the local stack's static tokens standing in for the
 * controller's and an operator's certificates): NodeAgent is the controller's alone; an assignment's
 * Syscalls credential reaches its own VMM process and devices and nothing else, answered as the
 * kernel answers a confined VMM; Release revokes it; health is open. Every case runs on both entry
 * points, the Spring application and the lean one, each given the same settings its own way.
 */
class AgentAuthorizationTest {
    private static final String GPU = "0000:18:00.0";
    private static final String OTHER_GPU = "0000:19:00.0";
    /** The settings both entry points are given: the Spring application on its command line, the lean one in its --config file. */
    private static final List<String> SETTINGS = List.of("spring.profiles.active=local",
            "vfleet.security.tokens[0].token=controller-token", "vfleet.security.tokens[0].role=controller",
            "vfleet.security.tokens[1].token=operator-token", "vfleet.security.tokens[1].role=operator",
            "vfleet.security.tokens[2].token=auditor-token", "vfleet.security.tokens[2].role=auditor");

    enum Entry { SPRING, LEAN }

    @TempDir
    static Path scratch;
    private static ConfigurableApplicationContext context;
    private static LeanAgent lean;
    private static final Map<Entry, ManagedChannel> channels = new EnumMap<>(Entry.class);

    @BeforeAll
    static void start() throws IOException {
        Path topology = AgentApplicationTest.AgentHostsPath.shipped("gpu-server-8x");
        List<String> springArguments = new ArrayList<>(List.of("--topology=" + topology,
                "--state-dir=" + Files.createDirectory(scratch.resolve("agent-state")), "--grpc-port=0", "--http-port=0",
                "--spring.grpc.server.address=127.0.0.1"));
        SETTINGS.forEach(setting -> springArguments.add("--" + setting));
        context = SpringApplication.run(AgentApplication.class, springArguments.toArray(String[]::new));
        channels.put(Entry.SPRING, channel(context.getBean(Environment.class).getRequiredProperty("local.grpc.server.port", Integer.class)));

        Path config = scratch.resolve("lean-agent.properties");
        Files.write(config, SETTINGS);
        lean = LeanAgent.start(new String[] {"--backend=engine", "--topology=" + topology,
                "--state-dir=" + Files.createDirectory(scratch.resolve("lean-agent-state")), "--grpc-port=0", "--config=" + config});
        channels.put(Entry.LEAN, channel(lean.port()));
    }

    @AfterAll
    static void stop() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        if (lean != null) {
            lean.close();
        }
        if (context != null) {
            context.close();
        }
    }

    private static ManagedChannel channel(int port) {
        return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void nodeAgentWithoutCredentialsIsUnauthenticated(Entry entry) {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                NodeAgentGrpc.newBlockingStub(channels.get(entry)).getTopology(GetTopologyRequest.getDefaultInstance()));

        assertRefused(refused, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void nodeAgentWithAnUnknownTokenOrAnotherSchemeIsUnauthenticated(Entry entry) {
        StatusRuntimeException unknown = catchThrowableOfType(StatusRuntimeException.class, () ->
                nodeAgent(entry, "guessed-token").getTopology(GetTopologyRequest.getDefaultInstance()));
        StatusRuntimeException basic = catchThrowableOfType(StatusRuntimeException.class, () ->
                NodeAgentGrpc.newBlockingStub(channels.get(entry)).withInterceptors(authorization("Basic controller-token"))
                        .getTopology(GetTopologyRequest.getDefaultInstance()));

        assertRefused(unknown, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
        assertRefused(basic, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void nodeAgentIsTheControllersAlone(Entry entry) {
        for (String token : new String[] {"operator-token", "auditor-token"}) {
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                    nodeAgent(entry, token).listPrepared(ListPreparedRequest.getDefaultInstance()));
            assertRefused(refused, Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        }

        assertThat(nodeAgent(entry, "controller-token").getTopology(GetTopologyRequest.getDefaultInstance()).getHostname())
                .isNotBlank();
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void systemCallsAreNotTheControllersNorAnAuditors(Entry entry) {
        for (String token : new String[] {"controller-token", "auditor-token"}) {
            StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                    syscalls(entry, token).spawn(SpawnRequest.newBuilder().setName("vmm").build()));
            assertRefused(refused, Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED");
        }

        assertThat(syscalls(entry, "operator-token").spawn(SpawnRequest.newBuilder().setName("tool").build()).getPid()).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void anAssignmentsCredentialReachesItsOwnProcessAndDevicesOnly(Entry entry) {
        PrepareResponse mine = prepare(entry, "scope-mine", GPU, 10);
        PrepareResponse theirs = prepare(entry, "scope-theirs", OTHER_GPU, 11);
        SyscallsGrpc.SyscallsBlockingStub vmm = syscalls(entry, mine.getSyscallsCredential());

        long memory = vmm.mmap(MmapRequest.newBuilder().setPid(mine.getPid()).setLength(1 << 20).setProt(3).build()).getAddr();
        int again = vmm.open(OpenRequest.newBuilder().setPid(mine.getPid()).setPath(mine.getDevices(0).getCdevPath()).setFlags(2)
                .build()).getFd();
        vmm.close(CloseRequest.newBuilder().setPid(mine.getPid()).setFd(again).build());

        assertThat(memory).isPositive();
        assertErrno(() -> vmm.mmap(MmapRequest.newBuilder().setPid(theirs.getPid()).setLength(4096).setProt(3).build()), "ESRCH");
        assertErrno(() -> vmm.close(CloseRequest.newBuilder().setPid(theirs.getPid()).setFd(theirs.getIommufd()).build()), "ESRCH");
        assertErrno(() -> vmm.exit(ExitRequest.newBuilder().setPid(theirs.getPid()).build()), "ESRCH");
        assertErrno(() -> vmm.spawn(SpawnRequest.newBuilder().setName("escape").build()), "EPERM");
        assertErrno(() -> vmm.open(OpenRequest.newBuilder().setPid(mine.getPid()).setPath(theirs.getDevices(0).getCdevPath())
                .setFlags(2).build()), "EPERM");
        assertThat(nodeAgent(entry, "controller-token").listPrepared(ListPreparedRequest.getDefaultInstance()).getAssignmentsList())
                .as("the other assignment is untouched").anySatisfy(prepared ->
                        assertThat(prepared.getAssignmentId()).isEqualTo("scope-theirs"));
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void releaseRevokesTheCredential(Entry entry) {
        PrepareResponse prepared = prepare(entry, "revoked", "0000:1a:00.0", 20);
        nodeAgent(entry, "controller-token").release(ReleaseRequest.newBuilder().setAssignmentId("revoked").setEpoch(21).build());

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () ->
                syscalls(entry, prepared.getSyscallsCredential()).mmap(MmapRequest.newBuilder().setPid(prepared.getPid())
                        .setLength(4096).setProt(3).build()));

        assertRefused(refused, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED");
    }

    @ParameterizedTest
    @EnumSource(Entry.class)
    void healthNeedsNoCredentials(Entry entry) {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channels.get(entry)).check(HealthCheckRequest.getDefaultInstance());

        assertThat(health.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    }

    private static PrepareResponse prepare(Entry entry, String id, String device, long epoch) {
        return nodeAgent(entry, "controller-token").prepare(PrepareRequest.newBuilder().setAssignmentId(id).setTenant("acme")
                .addDevices(device).setEpoch(epoch).build());
    }

    private static NodeAgentGrpc.NodeAgentBlockingStub nodeAgent(Entry entry, String token) {
        return NodeAgentGrpc.newBlockingStub(channels.get(entry)).withInterceptors(AgentApplicationTest.bearer(token));
    }

    private static SyscallsGrpc.SyscallsBlockingStub syscalls(Entry entry, String credential) {
        return SyscallsGrpc.newBlockingStub(channels.get(entry)).withInterceptors(AgentApplicationTest.bearer(credential));
    }

    private static io.grpc.ClientInterceptor authorization(String value) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), value);
        return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    private static void assertErrno(Runnable call, String errno) {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, call::run);
        assertThat(refused).as("refused with " + errno).isNotNull();
        assertThat(reason(refused)).isEqualTo(errno);
    }

    private static void assertRefused(StatusRuntimeException refused, Status.Code code, String reason) {
        assertThat(refused).isNotNull();
        assertThat(refused.getStatus().getCode()).isEqualTo(code);
        assertThat(reason(refused)).isEqualTo(reason);
        assertThat(refused.getTrailers().get(DurableReplies.BOOT_ID)).as("even a refused caller learns the boot id").isNotBlank();
    }

    private static String reason(StatusRuntimeException refused) {
        try {
            return StatusProto.fromThrowable(refused).getDetails(0).unpack(ErrorInfo.class).getReason();
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError("the refusal's first detail is not an ErrorInfo", e);
        }
    }
}
