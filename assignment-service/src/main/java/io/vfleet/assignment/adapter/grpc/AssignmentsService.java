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
import io.vfleet.assignment.application.RequestFields;
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
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AuditVerification;
import io.vfleet.assignment.domain.TenantPolicy;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import io.vfleet.api.assignment.v1.WatchAssignmentsRequest;
import io.vfleet.api.assignment.v1.WatchAssignmentsResponse;
import io.vfleet.assignment.application.WaitBudget;
import io.vfleet.assignment.application.WatchAssignments;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/**
 * {@code vfleet.assignment.v1.Assignments}: each call decodes its message, calls the use case the
 * REST controller calls (which checks every field, the same for both), and translates the answer;
 * failures are translated once, by {@link AssignmentStatus}. The caller is the one the shared
 * {@code CallerInterceptor} authenticated.
 */
@Component
class AssignmentsService extends AssignmentsGrpc.AssignmentsImplBase {

    /** The use cases behind the service: the same beans the REST controllers call. */
    @Component
    record UseCases(AssignDevices assign, QueryAssignments query, ReleaseAssignment release, ResetAssignment reset,
            SetTenantPolicy setPolicy, ShowTenant showTenant, QueryAudit audit, ProveAudit proofs,
            SignCheckpoint signCheckpoint, WaitBudget budget, WatchAssignments watch) {}

    /** What answering takes after the wait: the store of nothing, the message, the wire. */
    private static final Duration ANSWER_MARGIN = Duration.ofMillis(200);

    private final UseCases useCases;

    AssignmentsService(UseCases useCases) {
        this.useCases = useCases;
    }

    @Override
    public void assign(io.vfleet.api.assignment.v1.AssignRequest request, StreamObserver<AssignResponse> responses) {
        answer(responses, () -> {
            Duration asked = AssignmentMessages.duration("wait", request.hasWait(), request.getWait());
            AssignDevices.Outcome outcome = useCases.assign().assign(caller(), AssignmentMessages.assignForm(request),
                    AssignmentMessages.absentIfEmpty(request.getIdempotencyKey()), withinDeadline(useCases.budget().of(asked)));
            return AssignResponse.newBuilder()
                    .setAssignment(AssignmentMessages.assignment(outcome.assignment()))
                    .setRepeated(outcome.repeated())
                    .build();
        });
    }

    @Override
    public void getAssignment(GetAssignmentRequest request,
            StreamObserver<io.vfleet.api.assignment.v1.Assignment> responses) {
        answer(responses, () -> AssignmentMessages.assignment(
                useCases.query().get(caller(), AssignmentMessages.required("id", request.getId()))));
    }

    @Override
    public void listAssignments(ListAssignmentsRequest request, StreamObserver<ListAssignmentsResponse> responses) {
        answer(responses, () -> {
            Page<Assignment> page = useCases.query().list(caller(), new QueryAssignments.Listing(
                    AssignmentMessages.absentIfEmpty(request.getTenant()), AssignmentMessages.absentIfEmpty(request.getNode()),
                    AssignmentMessages.state(request.getState()), Integer.toUnsignedLong(request.getPage()),
                    AssignmentMessages.absentIfZero(request.getSize())));
            return ListAssignmentsResponse.newBuilder()
                    .addAllAssignments(page.items().stream().map(AssignmentMessages::assignment).toList())
                    .setPage(page.page())
                    .setSize(page.size())
                    .setTotal(page.total())
                    .build();
        });
    }

    @Override
    public void watchAssignments(WatchAssignmentsRequest request, StreamObserver<WatchAssignmentsResponse> responses) {
        RequestFields fields = new RequestFields();
        String tenant;
        try {
            tenant = fields.name("tenant", AssignmentMessages.absentIfEmpty(request.getTenant()), false);
            fields.requireValid();
        } catch (RuntimeException invalid) {
            responses.onError(AssignmentStatus.of(invalid));
            return;
        }
        new WatchStream(useCases.watch(), caller(), (ServerCallStreamObserver<WatchAssignmentsResponse>) responses)
                .start(tenant, request.hasResumeAfterRevision() ? request.getResumeAfterRevision() : null);
    }

    @Override
    public void release(ReleaseRequest request, StreamObserver<io.vfleet.api.assignment.v1.Assignment> responses) {
        answer(responses, () -> AssignmentMessages.assignment(
                useCases.release().release(caller(), AssignmentMessages.required("id", request.getId()))));
    }

    @Override
    public void reset(ResetRequest request, StreamObserver<ResetResponse> responses) {
        answer(responses, () -> {
            ResetAssignment.Outcome outcome = useCases.reset().reset(caller(),
                    AssignmentMessages.required("id", request.getId()), AssignmentMessages.absentIfEmpty(request.getDevice()));
            return ResetResponse.newBuilder()
                    .setAssignment(AssignmentMessages.assignment(outcome.assignment()))
                    .addAllAffected(outcome.affected())
                    .build();
        });
    }

    @Override
    public void setTenantPolicy(SetTenantPolicyRequest request, StreamObserver<Tenant> responses) {
        answer(responses, () -> {
            Caller caller = caller();
            // max_pinned_bytes is uint64: one over 2^63 arrives negative, and is refused as out of range.
            TenantPolicy policy = useCases.setPolicy().set(caller, new SetTenantPolicy.Form(
                    AssignmentMessages.absentIfEmpty(request.getTenant()), Integer.toUnsignedLong(request.getMaxDevices()),
                    request.getMaxPinnedBytes(), request.getNoiommuAllowed()));
            return AssignmentMessages.tenant(policy.tenant(), useCases.showTenant().show(caller, policy.tenant()));
        });
    }

    @Override
    public void getTenant(GetTenantRequest request, StreamObserver<Tenant> responses) {
        answer(responses, () -> {
            String tenant = AssignmentMessages.absentIfEmpty(request.getTenant());
            return AssignmentMessages.tenant(tenant, useCases.showTenant().show(caller(), tenant));
        });
    }

    @Override
    public void listAuditEvents(ListAuditEventsRequest request, StreamObserver<ListAuditEventsResponse> responses) {
        answer(responses, () -> {
            QueryAudit.Answer<Page<io.vfleet.assignment.domain.AuditEvent>> answer = useCases.audit().events(caller(),
                    new QueryAudit.Search(AssignmentMessages.absentIfEmpty(request.getDevice()),
                            AssignmentMessages.absentIfEmpty(request.getTenant()),
                            AssignmentMessages.instant("from", request.hasFrom(), request.getFrom()),
                            AssignmentMessages.instant("to", request.hasTo(), request.getTo()),
                            Integer.toUnsignedLong(request.getPage()), AssignmentMessages.absentIfZero(request.getSize())));
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
            String device = AssignmentMessages.absentIfEmpty(request.getDevice());
            String node = AssignmentMessages.absentIfEmpty(request.getNode());
            Instant at = AssignmentMessages.instant("at", request.hasAt(), request.getAt());
            Instant when = at == null ? Instant.now() : at;
            QueryAudit.Answer<java.util.List<AuditLog.Owner>> answer = useCases.audit().owners(caller(), device, node, when);
            return GetDeviceOwnersResponse.newBuilder()
                    .setDevice(request.getDevice())
                    .setAt(AssignmentMessages.timestamp(when))
                    .addAllOwners(answer.value().stream().map(AssignmentMessages::owner).toList())
                    .setUnlinked(answer.unlinked())
                    .build();
        });
    }

    @Override
    public void verifyAudit(VerifyAuditRequest request, StreamObserver<VerifyAuditResponse> responses) {
        answer(responses, () -> {
            QueryAudit.Answer<AuditVerification.Result> answer =
                    useCases.audit().verify(caller(), AssignmentMessages.absentIfEmpty(request.getCheckpoint()));
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

    /**
     * The wait, cut short so that the answer beats the call's deadline: a caller that gives up is told
     * nothing, while PREPARING tells it where to look.
     */
    private static Duration withinDeadline(Duration wait) {
        Deadline deadline = Context.current().getDeadline();
        if (deadline == null) {
            return wait;
        }
        Duration left = Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS)).minus(ANSWER_MARGIN);
        return left.isNegative() ? Duration.ZERO : left.compareTo(wait) < 0 ? left : wait;
    }

    @Override
    public void getCheckpoint(GetCheckpointRequest request, StreamObserver<Checkpoint> responses) {
        answer(responses, () -> {
            // uint64: a size over 2^63 arrives negative, and is refused as one.
            String note = request.hasSize()
                    ? useCases.proofs().checkpoint(caller(), request.getSize())
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
            ProveAudit.Inclusion inclusion =
                    useCases.proofs().inclusion(caller(), request.getSequence(), request.getTreeSize());
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
            ProveAudit.Consistency consistency =
                    useCases.proofs().consistency(caller(), request.getFrom(), request.getTo());
            ConsistencyProof.Builder proof = ConsistencyProof.newBuilder().setFrom(consistency.from()).setTo(consistency.to());
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
