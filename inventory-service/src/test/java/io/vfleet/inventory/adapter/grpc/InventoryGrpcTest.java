package io.vfleet.inventory.adapter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.inventory.v1.Agent;
import io.vfleet.api.inventory.v1.ChangeType;
import io.vfleet.api.inventory.v1.Device;
import io.vfleet.api.inventory.v1.DeviceState;
import io.vfleet.api.inventory.v1.HeartbeatRequest;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.api.inventory.v1.IommuGroup;
import io.vfleet.api.inventory.v1.IovaWindow;
import io.vfleet.api.inventory.v1.KernelConfig;
import io.vfleet.api.inventory.v1.ListAndWatchRequest;
import io.vfleet.api.inventory.v1.ListAndWatchResponse;
import io.vfleet.api.inventory.v1.NodeState;
import io.vfleet.api.inventory.v1.RegisterRequest;
import io.vfleet.api.inventory.v1.RegisterResponse;
import io.vfleet.api.inventory.v1.ReservedRegion;
import io.vfleet.api.inventory.v1.ResetSet;
import io.vfleet.inventory.application.ChangeLog;
import io.vfleet.inventory.application.MarkUnreachableNodes;
import io.vfleet.inventory.application.TrimChangeLog;
import io.vfleet.inventory.domain.Revision;
import io.vfleet.inventory.support.InventoryTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.grpc.test.autoconfigure.LocalGrpcServerPort;

/** The contract over the in-process transport, with the real generated stubs and the real service behind them. */
class InventoryGrpcTest extends InventoryTest {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel = InProcessChannelBuilder.forName("inventory-test").directExecutor().build();

    @LocalGrpcServerPort
    int grpcPort;

    @Autowired
    ChangeLog changeLog;
    @Autowired
    MarkUnreachableNodes markUnreachableNodes;
    @Autowired
    TrimChangeLog trimChangeLog;

    @AfterEach
    void closeChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    @Test
    void registerIsIdempotentAndAChangedTopologyIsANewRevision() {
        var agent = inventory("agent-1-token");

        RegisterResponse first = agent.register(registration("grpc-node-1", 3));
        RegisterResponse again = agent.register(registration("grpc-node-1", 3));
        RegisterResponse changed = agent.register(registration("grpc-node-1", 2));

        assertThat(first.getChanges()).isPositive();
        assertThat(again.getChanges()).isZero();
        assertThat(again.getRevision()).isEqualTo(first.getRevision());
        assertThat(changed.getRevision()).isGreaterThan(first.getRevision());
        assertThat(changed.getHeartbeatTimeoutMillis()).isEqualTo(30_000);
    }

    @Test
    void badRegistrationIsInvalidArgumentListingEveryProblem() {
        var agent = inventory("agent-2-token");
        RegisterRequest bad = registration("grpc-node-2", 2).toBuilder()
                .addDevices(registration("grpc-node-2", 1).getDevices(0))
                .addResetSets(ResetSet.newBuilder().setKey("bus:0000:99").addMembers("0000:99:00.0"))
                .build();

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () -> agent.register(bad));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(errorInfo(refused).getReason()).isEqualTo("REGISTRATION_REFUSED");
        assertThat(detail(refused, BadRequest.class).getFieldViolationsList())
                .extracting(BadRequest.FieldViolation::getField)
                .containsExactly("devices[2].bdf", "resetSets[1].members[0]");
        assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> agent.heartbeat(heartbeat("grpc-node-2")))
                .getStatus().getCode()).as("nothing was stored").isEqualTo(Status.Code.NOT_FOUND);
    }

    @Test
    void aRegistrationOverTheMessageLimitIsResourceExhaustedAndStoresNothing() throws InterruptedException {
        ManagedChannel network = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
        try {
            Metadata headers = new Metadata();
            headers.put(AUTHORIZATION, "Bearer agent-7-token");
            var agent = InventoryGrpc.newBlockingStub(network).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
            RegisterRequest huge = registration("grpc-node-7", 1).toBuilder()
                    .setAgent(Agent.newBuilder().setEndpoint("grpc-node-7:9443").setVersion("v".repeat(2 << 20)))
                    .build();

            StatusRuntimeException tooLarge = catchThrowableOfType(StatusRuntimeException.class, () -> agent.register(huge));

            assertThat(tooLarge.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
            assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> agent.heartbeat(heartbeat("grpc-node-7")))
                    .getStatus().getCode()).as("nothing was stored").isEqualTo(Status.Code.NOT_FOUND);
        } finally {
            network.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void agentRegisteringAnotherNodeIsPermissionDenied() {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> inventory("agent-3-token").register(registration("grpc-node-4", 1)));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getStatus().getDescription()).contains("agent of node 'grpc-node-3' and may not act for node 'grpc-node-4'");
    }

    @Test
    void orchestratorMayNotRegisterNorHeartbeat() {
        var orchestrator = inventory("orchestrator-token");

        assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> orchestrator.register(registration("grpc-node-3", 1)))
                .getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> orchestrator.heartbeat(heartbeat("grpc-node-3")))
                .getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void callsWithoutAKnownTokenAreUnauthenticatedButHealthIsOpen() {
        StatusRuntimeException none = catchThrowableOfType(StatusRuntimeException.class,
                () -> InventoryGrpc.newBlockingStub(channel).heartbeat(heartbeat("grpc-node-1")));
        StatusRuntimeException unknown = catchThrowableOfType(StatusRuntimeException.class,
                () -> inventory("made-up").heartbeat(heartbeat("grpc-node-1")));

        assertThat(none.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void heartbeatOfAnUnknownNodeIsNotFoundSoTheAgentRegisters() {
        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> inventory("agent-7-token").heartbeat(heartbeat("grpc-node-7")));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(errorInfo(refused).getReason()).isEqualTo("UNKNOWN_NODE");
    }

    @Test
    void listThenWatchSeesRegistrationsRemovalsAndLiveness() {
        var agent = inventory("agent-5-token");
        agent.register(registration("grpc-node-5", 2));
        var watcher = InventoryGrpc.newBlockingStub(channel).withInterceptors(bearer("orchestrator-token"))
                .withDeadlineAfter(20, TimeUnit.SECONDS);

        Iterator<ListAndWatchResponse> stream = watcher.listAndWatch(ListAndWatchRequest.getDefaultInstance());
        List<ListAndWatchResponse> list = new ArrayList<>();
        ListAndWatchResponse next = stream.next();
        while (next.hasListChunk()) {
            list.add(next);
            next = stream.next();
        }
        assertThat(next.hasSynced()).isTrue();
        long syncedAt = next.getSynced().getRevision();
        assertThat(list.stream().flatMap(chunk -> chunk.getListChunk().getNodesList().stream()))
                .anySatisfy(node -> assertThat(node.getName()).isEqualTo("grpc-node-5"));
        assertThat(list.stream().flatMap(chunk -> chunk.getListChunk().getDevicesList().stream())
                .filter(device -> device.getNodeName().equals("grpc-node-5"))).hasSize(2);

        agent.register(registration("grpc-node-5", 1));
        clock.advance(Duration.ofSeconds(31));
        markUnreachableNodes.markUnreachable();
        agent.heartbeat(heartbeat("grpc-node-5"));

        List<io.vfleet.api.inventory.v1.Change> changes = new ArrayList<>();
        while (changes.size() < 4) {
            io.vfleet.api.inventory.v1.Change change = stream.next().getChange();
            if (change.getNode().getName().equals("grpc-node-5") || change.getDevice().getNodeName().equals("grpc-node-5")) {
                changes.add(change);
            }
        }
        assertThat(changes).allMatch(change -> change.getRevision() > syncedAt);
        assertThat(changes.get(0).getType()).isEqualTo(ChangeType.MODIFIED);
        assertThat(changes.get(1).getType()).isEqualTo(ChangeType.REMOVED);
        assertThat(changes.get(1).getDevice().getState()).isEqualTo(DeviceState.DEVICE_REMOVED);
        assertThat(changes.get(2).getNode().getState()).isEqualTo(NodeState.UNREACHABLE);
        assertThat(changes.get(3).getNode().getState()).isEqualTo(NodeState.READY);
    }

    @Test
    void watchResumesAfterARevisionWithoutAList() {
        var agent = inventory("agent-6-token");
        RegisterResponse first = agent.register(registration("grpc-node-6", 1));
        RegisterResponse second = agent.register(registration("grpc-node-6", 2));
        var watcher = InventoryGrpc.newBlockingStub(channel).withInterceptors(bearer("operator-token"))
                .withDeadlineAfter(20, TimeUnit.SECONDS);

        Iterator<ListAndWatchResponse> stream = watcher.listAndWatch(
                ListAndWatchRequest.newBuilder().setResumeAfterRevision(first.getRevision()).build());

        assertThat(stream.next().getSynced().getRevision()).isEqualTo(first.getRevision());
        ListAndWatchResponse change = stream.next();
        assertThat(change.hasChange()).isTrue();
        assertThat(change.getChange().getRevision()).isGreaterThan(first.getRevision()).isLessThanOrEqualTo(second.getRevision());
    }

    @Test
    void resumeFromATrimmedRevisionIsFailedPreconditionRelistRequired() {
        Revision old = changeLog.current();
        inventory("agent-4-token").register(registration("grpc-node-4", 1));
        clock.advance(Duration.ofHours(2));
        inventory("agent-4-token").register(registration("grpc-node-4", 2));
        trimChangeLog.trim();
        var watcher = InventoryGrpc.newBlockingStub(channel).withInterceptors(bearer("orchestrator-token"))
                .withDeadlineAfter(20, TimeUnit.SECONDS);

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class, () -> watcher.listAndWatch(
                ListAndWatchRequest.newBuilder().setResumeAfterRevision(old.value()).build()).next());

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        ErrorInfo info = errorInfo(refused);
        assertThat(info.getReason()).isEqualTo("RELIST_REQUIRED");
        assertThat(Long.parseLong(info.getMetadataOrThrow("oldest_resumable_revision"))).isGreaterThan(old.value());
    }

    @Test
    void auditorMayNotWatch() {
        var watcher = InventoryGrpc.newBlockingStub(channel).withInterceptors(bearer("auditor-token"))
                .withDeadlineAfter(20, TimeUnit.SECONDS);

        StatusRuntimeException refused = catchThrowableOfType(StatusRuntimeException.class,
                () -> watcher.listAndWatch(ListAndWatchRequest.getDefaultInstance()).next());

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    private InventoryGrpc.InventoryBlockingStub inventory(String token) {
        return InventoryGrpc.newBlockingStub(channel).withInterceptors(bearer(token)).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    private static io.grpc.ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    private static HeartbeatRequest heartbeat(String node) {
        return HeartbeatRequest.newBuilder().setNodeName(node).build();
    }

    /** {@code gpus} GPUs, each in its own IOMMU group, all in one reset set, as an agent would send them. */
    static RegisterRequest registration(String node, int gpus) {
        RegisterRequest.Builder request = RegisterRequest.newBuilder()
                .setNodeName(node)
                .setAgent(Agent.newBuilder().setEndpoint(node + ":9443").setVersion("0.1.0"))
                .setKernel(KernelConfig.newBuilder().setProfile("linux-6.6").setVfioGroup(true).setIommufdVfioContainer(true)
                        .setVfioDeviceCdev(true));
        ResetSet.Builder resetSet = ResetSet.newBuilder().setKey("bus:0000:10");
        for (int index = 0; index < gpus; index++) {
            String bdf = String.format("0000:%02x:00.0", 0x10 + index);
            request.addDevices(Device.newBuilder().setBdf(bdf).setVendorId(0x10de).setDeviceId(0x2330).setClassCode(0x030200)
                    .setDriver("vfio-pci").setVfioDeviceName("vfio" + index));
            request.addIommuGroups(IommuGroup.newBuilder().setNumber(10 + index)
                    .setAperture(IovaWindow.newBuilder().setStart(0).setLast((1L << 48) - 1))
                    .addReservedRegions(ReservedRegion.newBuilder()
                            .setRange(IovaWindow.newBuilder().setStart(0xfee00000L).setLast(0xfeefffffL)).setType("msi"))
                    .addMembers(bdf));
            resetSet.addMembers(bdf);
        }
        if (gpus > 0) {
            request.addResetSets(resetSet);
        }
        return request.build();
    }

    private static ErrorInfo errorInfo(StatusRuntimeException refused) {
        return detail(refused, ErrorInfo.class);
    }

    private static <T extends com.google.protobuf.Message> T detail(StatusRuntimeException refused, Class<T> type) {
        com.google.rpc.Status status = StatusProto.fromThrowable(refused);
        assertThat(status).as("rich status").isNotNull();
        for (Any detail : status.getDetailsList()) {
            if (detail.is(type)) {
                try {
                    return detail.unpack(type);
                } catch (InvalidProtocolBufferException unreadable) {
                    throw new AssertionError(unreadable);
                }
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + status);
    }
}
