package io.vfleet.assignment.adapter.grpc;

import io.grpc.stub.StreamObserver;
import io.vfleet.api.assignment.v1.AssignResponse;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.api.assignment.v1.BrokenLink;
import io.vfleet.api.assignment.v1.Checkpoint;
import io.vfleet.api.assignment.v1.ConsistencyProof;
import io.vfleet.api.assignment.v1.GetCheckpointRequest;
import io.vfleet.api.assignment.v1.GetConsistencyProofRequest;
import io.vfleet.api.assignment.v1.GetInclusionProofRequest;
import io.vfleet.api.assignment.v1.InclusionProof;
import io.vfleet.api.assignment.v1.SignCheckpointRequest;
import io.vfleet.api.assignment.v1.GetAssignmentRequest;
import io.vfleet.api.assignment.v1.GetDeviceOwnersRequest;
import io.vfleet.api.assignment.v1.GetDeviceOwnersResponse;
import io.vfleet.api.assignment.v1.GetTenantRequest;
import io.vfleet.api.assignment.v1.ListAssignmentsRequest;
import io.vfleet.api.assignment.v1.ListAssignmentsResponse;
import io.vfleet.api.assignment.v1.ListAuditEventsRequest;
import io.vfleet.api.assignment.v1.ListAuditEventsResponse;
import io.vfleet.api.assignment.v1.ReleaseRequest;
import io.vfleet.api.assignment.v1.ResetRequest;
import io.vfleet.api.assignment.v1.ResetResponse;
import io.vfleet.api.assignment.v1.SetTenantPolicyRequest;
import io.vfleet.api.assignment.v1.Tenant;
import io.vfleet.api.assignment.v1.VerifyAuditRequest;
import io.vfleet.api.assignment.v1.VerifyAuditResponse;
import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.assignment.application.AssignRequest;
import io.vfleet.security.Caller;
import io.vfleet.security.grpc.Callers;
import io.vfleet.assignment.application.QueryAssignments;
import io.vfleet.assignment.application.ProveAudit;
import io.vfleet.assignment.application.QueryAudit;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.SetTenantPolicy;
import io.vfleet.assignment.application.SignCheckpoint;
import io.vfleet.assignment.application.ShowTenant;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AuditVerification;
import io.vfleet.assignment.domain.TenantPolicy;
import java.time.Instant;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * {@code vfleet.assignment.v1.Assignments}: each call checks the form of its fields, calls the use
 * case the REST controller calls, and translates the answer; failures are translated once, by
 * {@link AssignmentStatus}. The caller is the one the shared {@code CallerInterceptor} authenticated.
 */
@Component
class AssignmentsService extends AssignmentsGrpc.AssignmentsImplBase {

    /** The use cases behind the service: the same beans the REST controllers call. */
    @Component
    record UseCases(AssignDevices assign, QueryAssignments query, ReleaseAssignment release, ResetAssignment reset,
            SetTenantPolicy setPolicy, ShowTenant showTenant, QueryAudit audit, ProveAudit proofs,
            SignCheckpoint signCheckpoint) {}

    private final UseCases useCases;

    AssignmentsService(UseCases useCases) {
        this.useCases = useCases;
    }

    @Override
    public void assign(io.vfleet.api.assignment.v1.AssignRequest request, StreamObserver<AssignResponse> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            String key = fields.idempotencyKey("idempotency_key", request.getIdempotencyKey());
            AssignRequest assignRequest = AssignmentMessages.assignRequest(request, fields);
            AssignDevices.Outcome outcome = useCases.assign().assign(caller(), assignRequest, key);
            return AssignResponse.newBuilder()
                    .setAssignment(AssignmentMessages.assignment(outcome.assignment()))
                    .setRepeated(outcome.repeated())
                    .build();
        });
    }

    @Override
    public void getAssignment(GetAssignmentRequest request,
            StreamObserver<io.vfleet.api.assignment.v1.Assignment> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            String id = fields.required("id", request.getId());
            fields.requireValid();
            return AssignmentMessages.assignment(useCases.query().get(caller(), id));
        });
    }

    @Override
    public void listAssignments(ListAssignmentsRequest request, StreamObserver<ListAssignmentsResponse> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            Assignments.Filter filter = new Assignments.Filter(
                    fields.name("tenant", request.getTenant(), false),
                    fields.name("node", request.getNode(), false),
                    AssignmentMessages.state(request.getState(), fields));
            Paging paging = fields.paging(request.getPage(), request.getSize());
            fields.requireValid();
            Page<Assignment> page = useCases.query().list(caller(), filter, paging);
            return ListAssignmentsResponse.newBuilder()
                    .addAllAssignments(page.items().stream().map(AssignmentMessages::assignment).toList())
                    .setPage(page.page())
                    .setSize(page.size())
                    .setTotal(page.total())
                    .build();
        });
    }

    @Override
    public void release(ReleaseRequest request, StreamObserver<io.vfleet.api.assignment.v1.Assignment> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            String id = fields.required("id", request.getId());
            fields.requireValid();
            return AssignmentMessages.assignment(useCases.release().release(caller(), id));
        });
    }

    @Override
    public void reset(ResetRequest request, StreamObserver<ResetResponse> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            String id = fields.required("id", request.getId());
            String device = fields.bdf("device", request.getDevice(), false);
            fields.requireValid();
            ResetAssignment.Outcome outcome = useCases.reset().reset(caller(), id, device);
            return ResetResponse.newBuilder()
                    .setAssignment(AssignmentMessages.assignment(outcome.assignment()))
                    .addAllAffected(outcome.affected())
                    .build();
        });
    }

    @Override
    public void setTenantPolicy(SetTenantPolicyRequest request, StreamObserver<Tenant> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            String tenant = fields.name("tenant", request.getTenant(), true);
            int maxDevices = fields.nonNegativeInt("max_devices", request.getMaxDevices());
            long maxPinnedBytes = fields.nonNegativeLong("max_pinned_bytes", request.getMaxPinnedBytes());
            fields.requireValid();
            Caller caller = caller();
            useCases.setPolicy().set(caller, new TenantPolicy(tenant, maxDevices, maxPinnedBytes,
                    request.getNoiommuAllowed()));
            return AssignmentMessages.tenant(tenant, useCases.showTenant().show(caller, tenant));
        });
    }

    @Override
    public void getTenant(GetTenantRequest request, StreamObserver<Tenant> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            String tenant = fields.name("tenant", request.getTenant(), true);
            fields.requireValid();
            return AssignmentMessages.tenant(tenant, useCases.showTenant().show(caller(), tenant));
        });
    }

    @Override
    public void listAuditEvents(ListAuditEventsRequest request, StreamObserver<ListAuditEventsResponse> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            AuditLog.Query query = new AuditLog.Query(
                    fields.bdf("device", request.getDevice(), false),
                    fields.name("tenant", request.getTenant(), false),
                    fields.instant("from", request.hasFrom(), request.getFrom()),
                    fields.instant("to", request.hasTo(), request.getTo()));
            Paging paging = fields.paging(request.getPage(), request.getSize());
            fields.requireValid();
            QueryAudit.Answer<Page<io.vfleet.assignment.domain.AuditEvent>> answer =
                    useCases.audit().events(caller(), query, paging);
            Page<io.vfleet.assignment.domain.AuditEvent> page = answer.value();
            return ListAuditEventsResponse.newBuilder()
                    .addAllEvents(page.items().stream().map(AssignmentMessages::auditEvent).toList())
                    .setPage(page.page())
                    .setSize(page.size())
                    .setTotal(page.total())
                    .setUnlinked(answer.unlinked())
                    .build();
        });
    }

    @Override
    public void getDeviceOwners(GetDeviceOwnersRequest request, StreamObserver<GetDeviceOwnersResponse> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            String device = fields.bdf("device", request.getDevice(), true);
            String node = fields.name("node", request.getNode(), false);
            Instant at = fields.instant("at", request.hasAt(), request.getAt());
            fields.requireValid();
            Instant when = at == null ? Instant.now() : at;
            QueryAudit.Answer<java.util.List<AuditLog.Owner>> answer = useCases.audit().owners(caller(), device, node, when);
            return GetDeviceOwnersResponse.newBuilder()
                    .setDevice(device)
                    .setAt(AssignmentMessages.timestamp(when))
                    .addAllOwners(answer.value().stream().map(AssignmentMessages::owner).toList())
                    .setUnlinked(answer.unlinked())
                    .build();
        });
    }

    @Override
    public void verifyAudit(VerifyAuditRequest request, StreamObserver<VerifyAuditResponse> responses) {
        answer(responses, () -> {
            String presented = request.getCheckpoint().isEmpty() ? null : request.getCheckpoint();
            if (presented != null) {
                RequestFields fields = new RequestFields();
                fields.checkpointNote("checkpoint", presented);
                fields.requireValid();
            }
            QueryAudit.Answer<AuditVerification.Result> answer = useCases.audit().verify(caller(), presented);
            AuditVerification.Result result = answer.value();
            VerifyAuditResponse.Builder response = VerifyAuditResponse.newBuilder()
                    .setIntact(result.intact())
                    .setChecked(result.checked())
                    .setSize(result.size())
                    .setUnlinked(answer.unlinked());
            result.checkpoints().forEach(trusted -> response.addCheckpoints(AssignmentMessages.checkpoint(trusted)));
            result.problem().ifPresent(found -> response.setFirstBroken(BrokenLink.newBuilder()
                    .setSequence(found.sequence()).setReason(found.detail()).setProblem(found.problem().name())));
            return response.build();
        });
    }

    @Override
    public void getCheckpoint(GetCheckpointRequest request, StreamObserver<Checkpoint> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            long size = fields.nonNegativeLong("size", request.getSize());
            fields.requireValid();
            String note = request.hasSize()
                    ? useCases.proofs().checkpoint(caller(), size)
                    : useCases.proofs().latestCheckpoint(caller());
            return AssignmentMessages.checkpoint(note);
        });
    }

    @Override
    public void signCheckpoint(SignCheckpointRequest request, StreamObserver<Checkpoint> responses) {
        answer(responses, () -> AssignmentMessages.checkpoint(useCases.signCheckpoint().sign(caller()).note()));
    }

    @Override
    public void getInclusionProof(GetInclusionProofRequest request, StreamObserver<InclusionProof> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            long sequence = fields.nonNegativeLong("sequence", request.getSequence());
            long treeSize = fields.nonNegativeLong("tree_size", request.getTreeSize());
            fields.requireValid();
            ProveAudit.Inclusion inclusion = useCases.proofs().inclusion(caller(), sequence, treeSize);
            InclusionProof.Builder proof = InclusionProof.newBuilder()
                    .setEvent(AssignmentMessages.auditEvent(inclusion.event()))
                    .setTreeSize(inclusion.treeSize());
            if (inclusion.leafHash() != null) {
                proof.setLeafHash(com.google.protobuf.ByteString.copyFrom(inclusion.leafHash().bytes()));
            }
            inclusion.path().forEach(hash -> proof.addPath(com.google.protobuf.ByteString.copyFrom(hash.bytes())));
            return proof.build();
        });
    }

    @Override
    public void getConsistencyProof(GetConsistencyProofRequest request, StreamObserver<ConsistencyProof> responses) {
        answer(responses, () -> {
            RequestFields fields = new RequestFields();
            long from = fields.nonNegativeLong("from", request.getFrom());
            long to = fields.nonNegativeLong("to", request.getTo());
            fields.requireValid();
            ProveAudit.Consistency consistency = useCases.proofs().consistency(caller(), from, to);
            ConsistencyProof.Builder proof = ConsistencyProof.newBuilder().setFrom(from).setTo(to);
            consistency.proof().forEach(hash -> proof.addProof(com.google.protobuf.ByteString.copyFrom(hash.bytes())));
            return proof.build();
        });
    }

    private static Caller caller() {
        return Callers.current();
    }

    /** Answers the call with what {@code call} returns, or with the status its failure translates to. */
    private static <T> void answer(StreamObserver<T> responses, Supplier<T> call) {
        T response;
        try {
            response = call.get();
        } catch (RuntimeException failure) {
            responses.onError(AssignmentStatus.of(failure));
            return;
        }
        responses.onNext(response);
        responses.onCompleted();
    }
}
