package io.vfleet.assignment.adapter.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Message;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.assignment.v1.AssignRequest;
import io.vfleet.api.assignment.v1.AssignResponse;
import io.vfleet.api.assignment.v1.Assignment;
import io.vfleet.api.assignment.v1.AssignmentState;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.api.assignment.v1.Checkpoint;
import io.vfleet.api.assignment.v1.ConsistencyProof;
import io.vfleet.api.assignment.v1.DeviceSelector;
import io.vfleet.api.assignment.v1.GetAssignmentRequest;
import io.vfleet.api.assignment.v1.GetCheckpointRequest;
import io.vfleet.api.assignment.v1.GetConsistencyProofRequest;
import io.vfleet.api.assignment.v1.GetDeviceOwnersRequest;
import io.vfleet.api.assignment.v1.GetInclusionProofRequest;
import io.vfleet.api.assignment.v1.GetTenantRequest;
import io.vfleet.api.assignment.v1.InclusionProof;
import io.vfleet.api.assignment.v1.ListAssignmentsRequest;
import io.vfleet.api.assignment.v1.ListAuditEventsRequest;
import io.vfleet.api.assignment.v1.ReleaseRequest;
import io.vfleet.api.assignment.v1.ResetRequest;
import io.vfleet.api.assignment.v1.SetTenantPolicyRequest;
import io.vfleet.api.assignment.v1.SignCheckpointRequest;
import io.vfleet.api.assignment.v1.Tenant;
import io.vfleet.api.assignment.v1.VerifyAuditRequest;
import io.vfleet.api.assignment.v1.VerifyAuditResponse;
import io.vfleet.api.assignment.v1.Violations;
import io.vfleet.assignment.support.ServiceGrpc;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.Proofs;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code vfleet.assignment.v1} over the service's in-process gRPC server, with the generated stubs:
 * the same use cases, tokens and tenant scoping as REST, and every failure a status with ErrorInfo.
 */
@ServiceTest
class AssignmentsGrpcTest extends ServiceTestBase {

    private static final String GPU = "0000:01:00.0";

    private final ManagedChannel channel = InProcessChannelBuilder.forName(ServiceTest.GRPC_IN_PROCESS)
            .directExecutor().build();

    @AfterEach
    void closeTheChannel() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private AssignmentsGrpc.AssignmentsBlockingStub as(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return AssignmentsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }

    private static AssignRequest oneGpu(String tenant) {
        return AssignRequest.newBuilder().setTenant(tenant).setNode("n1").addDevices(GPU).build();
    }

    private static StatusRuntimeException failure(Runnable call) {
        return catchThrowableOfType(StatusRuntimeException.class, call::run);
    }

    private static <T extends Message> T detail(StatusRuntimeException failure, Class<T> type) {
        return ServiceGrpc.detail(failure, type);
    }

    private int assignmentRows() {
        return jdbc.queryForObject("select count(*) from assignment.assignments", Integer.class);
    }

    @Test
    void assignGetListResetAndReleaseGoThroughTheUseCases() {
        var operator = as("operator-token");

        AssignResponse assigned = operator.assign(AssignRequest.newBuilder().setTenant("acme")
                .setSelector(DeviceSelector.newBuilder().setVendorId(0x10de).setDeviceId(0x2330).setCount(1)).build());
        Assignment active = assigned.getAssignment();

        assertThat(assigned.getRepeated()).isFalse();
        assertThat(active.getState()).isEqualTo(AssignmentState.ACTIVE);
        assertThat(active.getDevicesList()).singleElement().satisfies(device -> {
            assertThat(device.hasDevid()).isTrue();
            assertThat(device.getResetSet()).isNotEmpty();
        });
        assertThat(active.hasIoasId()).isTrue();
        assertThat(active.hasCreatedAt()).isTrue();
        assertThat(operator.getAssignment(GetAssignmentRequest.newBuilder().setId(active.getId()).build()))
                .isEqualTo(active);
        assertThat(operator.listAssignments(ListAssignmentsRequest.newBuilder().setTenant("acme")
                .setState(AssignmentState.ACTIVE).build()).getAssignmentsList())
                .extracting(Assignment::getId).containsExactly(active.getId());
        assertThat(operator.reset(ResetRequest.newBuilder().setId(active.getId()).build()).getAffectedList())
                .contains(active.getDevices(0).getBdf());

        Assignment released = operator.release(ReleaseRequest.newBuilder().setId(active.getId()).build());

        assertThat(released.getState()).isEqualTo(AssignmentState.RELEASED);
        assertThat(agents.preparedIds(active.getNode())).isEmpty();
    }

    @Test
    void theSameIdempotencyKeyAnswersTheFirstAssignmentAsRepeated() {
        var operator = as("operator-token");
        AssignRequest request = oneGpu("acme").toBuilder().setIdempotencyKey("key-1").build();

        AssignResponse first = operator.assign(request);
        AssignResponse second = operator.assign(request);

        assertThat(second.getRepeated()).isTrue();
        assertThat(second.getAssignment().getId()).isEqualTo(first.getAssignment().getId());
        assertThat(agents.calls()).filteredOn(call -> call.startsWith("prepare")).hasSize(1);
        assertThat(assignmentRows()).isEqualTo(1);
    }

    @Test
    void theSameIdempotencyKeyForAnotherRequestIsAlreadyExists() {
        var operator = as("operator-token");
        operator.assign(oneGpu("acme").toBuilder().setIdempotencyKey("key-1").build());

        StatusRuntimeException reused = failure(() -> operator.assign(AssignRequest.newBuilder().setTenant("acme")
                .setNode("n1").addDevices("0000:06:00.0").setIdempotencyKey("key-1").build()));

        assertThat(reused.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(detail(reused, ErrorInfo.class).getReason()).isEqualTo("IDEMPOTENCY_KEY_REUSED");
        assertThat(assignmentRows()).isEqualTo(1);
    }

    @Test
    void aRefusedAssignmentIsFailedPreconditionWithItsRuleAndEveryViolation() {
        as("operator-token").assign(oneGpu("acme"));

        StatusRuntimeException refused = failure(() -> as("operator-token").assign(oneGpu("globex")));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(detail(refused, ErrorInfo.class).getReason()).isEqualTo("DEVICE_BUSY");
        assertThat(detail(refused, ErrorInfo.class).getDomain()).isEqualTo("vfleet.io");
        assertThat(detail(refused, Violations.class).getViolationsList()).singleElement().satisfies(violation -> {
            assertThat(violation.getRule()).isEqualTo("DEVICE_BUSY");
            assertThat(violation.getDevice()).isEqualTo(GPU);
            assertThat(violation.getDetail()).isNotBlank();
        });
    }

    @Test
    void aQuotaRefusalNamesTheQuotaRule() {
        var operator = as("operator-token");
        Tenant tenant = operator.setTenantPolicy(SetTenantPolicyRequest.newBuilder().setTenant("acme").setMaxDevices(0)
                .setMaxPinnedBytes(1 << 30).build());
        assertThat(tenant.getMaxDevices()).isZero();
        assertThat(tenant.getMaxPinnedBytes()).isEqualTo(1 << 30);

        StatusRuntimeException refused = failure(() -> operator.assign(oneGpu("acme")));

        assertThat(detail(refused, ErrorInfo.class).getReason()).isEqualTo("QUOTA");
        assertThat(operator.getTenant(GetTenantRequest.newBuilder().setTenant("acme").build()).getDevices()).isZero();
    }

    @Test
    void badInputIsInvalidArgumentNamingEachFieldAndChangesNothing() {
        StatusRuntimeException invalid = failure(() -> as("operator-token").assign(AssignRequest.newBuilder()
                .setTenant("acme corp").setNode("n1").addDevices(GPU).addDevices("3b:00.0").build()));

        assertThat(invalid.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(detail(invalid, BadRequest.class).getFieldViolationsList())
                .extracting(BadRequest.FieldViolation::getField).containsExactly("tenant", "devices[1]");
        assertThat(assignmentRows()).isZero();
        assertThat(agents.calls()).isEmpty();
    }

    @Test
    void aRequestWithBothDevicesAndSelectorIsInvalidArgumentOnDevices() {
        StatusRuntimeException invalid = failure(() -> as("operator-token").assign(oneGpu("acme").toBuilder()
                .setSelector(DeviceSelector.newBuilder().setCount(1)).build()));

        assertThat(invalid.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(detail(invalid, BadRequest.class).getFieldViolations(0).getField()).isEqualTo("devices");
    }

    @Test
    void aSelectorCountOutOfRangeIsInvalidArgument() {
        StatusRuntimeException invalid = failure(() -> as("operator-token").assign(AssignRequest.newBuilder()
                .setTenant("acme").setSelector(DeviceSelector.newBuilder().setCount(0)).build()));

        assertThat(detail(invalid, BadRequest.class).getFieldViolations(0).getField()).isEqualTo("selector.count");
    }

    @Test
    void aCallWithoutAKnownTokenIsUnauthenticated() {
        StatusRuntimeException anonymous = failure(() -> AssignmentsGrpc.newBlockingStub(channel)
                .getTenant(GetTenantRequest.newBuilder().setTenant("acme").build()));
        StatusRuntimeException unknown = failure(() -> as("made-up-token")
                .getTenant(GetTenantRequest.newBuilder().setTenant("acme").build()));

        assertThat(anonymous.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(unknown.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void healthChecksNeedNoToken() {
        assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
                .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
    }

    @Test
    void aTenantScopedCallerIsToldNotFoundAboutAnotherTenantsAssignment() {
        Assignment theirs = as("operator-token").assign(oneGpu("globex")).getAssignment();
        var acme = as("acme-token");

        StatusRuntimeException get = failure(() -> acme.getAssignment(
                GetAssignmentRequest.newBuilder().setId(theirs.getId()).build()));
        StatusRuntimeException release = failure(() -> acme.release(
                ReleaseRequest.newBuilder().setId(theirs.getId()).build()));
        StatusRuntimeException tenant = failure(() -> acme.getTenant(GetTenantRequest.newBuilder().setTenant("globex").build()));

        assertThat(get.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(release.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(tenant.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(acme.listAssignments(ListAssignmentsRequest.getDefaultInstance()).getTotal()).isZero();
        assertThat(as("operator-token").getAssignment(GetAssignmentRequest.newBuilder().setId(theirs.getId()).build())
                .getState()).isEqualTo(AssignmentState.ACTIVE);
    }

    @Test
    void aTenantScopedCallerMayNotAssignForAnotherTenant() {
        StatusRuntimeException denied = failure(() -> as("acme-token").assign(oneGpu("globex")));

        assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(assignmentRows()).isZero();
    }

    @Test
    void anAuditorReadsTheChainButCannotAssign() {
        Assignment active = as("operator-token").assign(oneGpu("acme")).getAssignment();
        var auditor = as("auditor-token");

        StatusRuntimeException denied = failure(() -> auditor.assign(oneGpu("acme")));

        assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(auditor.verifyAudit(VerifyAuditRequest.getDefaultInstance()).getIntact()).isTrue();
        assertThat(auditor.listAuditEvents(ListAuditEventsRequest.newBuilder().setDevice(GPU).build()).getEventsList())
                .extracting(event -> event.getDetail()).containsExactly("REQUESTED", "PREPARING", "ACTIVE");
        assertThat(auditor.getDeviceOwners(GetDeviceOwnersRequest.newBuilder().setDevice(GPU).setNode("n1").build())
                .getOwnersList()).singleElement().satisfies(owner -> {
                    assertThat(owner.getTenant()).isEqualTo("acme");
                    assertThat(owner.getAssignmentId()).isEqualTo(active.getId());
                });
        assertThat(failure(() -> as("acme-token").verifyAudit(VerifyAuditRequest.getDefaultInstance()))
                .getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void theLogsCheckpointsAndProofsVerifyAndAForgedCheckpointIsNamed() throws Exception {
        as("operator-token").assign(oneGpu("acme"));
        var auditor = as("auditor-token");

        Checkpoint three = auditor.signCheckpoint(SignCheckpointRequest.getDefaultInstance());
        as("operator-token").assign(AssignRequest.newBuilder().setTenant("acme").setNode("n1").addDevices("0000:06:00.0").build());
        Checkpoint six = auditor.signCheckpoint(SignCheckpointRequest.getDefaultInstance());
        InclusionProof inclusion = auditor.getInclusionProof(GetInclusionProofRequest.newBuilder()
                .setSequence(2).setTreeSize(6).build());
        ConsistencyProof consistency = auditor.getConsistencyProof(GetConsistencyProofRequest.newBuilder()
                .setFrom(3).setTo(6).build());

        assertThat(three.getSize()).isEqualTo(3);
        assertThat(six.getSize()).isEqualTo(6);
        assertThat(auditor.getCheckpoint(GetCheckpointRequest.newBuilder().setSize(3).build()).getNote()).isEqualTo(three.getNote());
        assertThat(auditor.getCheckpoint(GetCheckpointRequest.getDefaultInstance()).getNote()).isEqualTo(six.getNote());
        assertThat(inclusion.getEvent().getPrincipal()).isEqualTo("operator:ops-team");
        assertThat(Proofs.verifyInclusion(Hash.of(inclusion.getLeafHash().toByteArray()), 1, 6,
                inclusion.getPathList().stream().map(hash -> Hash.of(hash.toByteArray())).toList(),
                Hash.of(six.getRootHash().toByteArray()))).isTrue();
        assertThat(Proofs.verifyConsistency(3, Hash.of(three.getRootHash().toByteArray()), 6,
                Hash.of(six.getRootHash().toByteArray()),
                consistency.getProofList().stream().map(hash -> Hash.of(hash.toByteArray())).toList())).isTrue();

        VerifyAuditResponse forged = auditor.verifyAudit(VerifyAuditRequest.newBuilder()
                .setCheckpoint(six.getNote().replace("\n6\n", "\n5\n")).build());
        assertThat(forged.getIntact()).isFalse();
        assertThat(forged.getFirstBroken().getProblem()).isEqualTo("FORGED_CHECKPOINT");
        assertThat(failure(() -> auditor.verifyAudit(VerifyAuditRequest.newBuilder().setCheckpoint("nonsense").build()))
                .getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(failure(() -> auditor.getConsistencyProof(GetConsistencyProofRequest.newBuilder().setFrom(3).setTo(60).build()))
                .getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(() -> as("acme-token").signCheckpoint(SignCheckpointRequest.getDefaultInstance()))
                .getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aPageSizeOverTheLimitIsInvalidArgumentOnSize() {
        StatusRuntimeException invalid = failure(() -> as("operator-token")
                .listAssignments(ListAssignmentsRequest.newBuilder().setSize(501).build()));

        assertThat(detail(invalid, BadRequest.class).getFieldViolations(0).getField()).isEqualTo("size");
    }
}
