package io.vfleet.assignment.adapter.grpc;

import io.grpc.stub.StreamObserver;
import io.vfleet.api.assignment.v1.AssignResponse;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.api.assignment.v1.BrokenLink;
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
import io.vfleet.assignment.application.QueryAudit;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.SetTenantPolicy;
import io.vfleet.assignment.application.ShowTenant;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.Assignment;
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
            SetTenantPolicy setPolicy, ShowTenant showTenant, QueryAudit audit) {}

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
            Page<io.vfleet.assignment.domain.AuditEvent> page = useCases.audit().events(caller(), query, paging);
            return ListAuditEventsResponse.newBuilder()
                    .addAllEvents(page.items().stream().map(AssignmentMessages::auditEvent).toList())
                    .setPage(page.page())
                    .setSize(page.size())
                    .setTotal(page.total())
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
            return GetDeviceOwnersResponse.newBuilder()
                    .setDevice(device)
                    .setAt(AssignmentMessages.timestamp(when))
                    .addAllOwners(useCases.audit().owners(caller(), device, node, when).stream()
                            .map(AssignmentMessages::owner).toList())
                    .build();
        });
    }

    @Override
    public void verifyAudit(VerifyAuditRequest request, StreamObserver<VerifyAuditResponse> responses) {
        answer(responses, () -> {
            AuditLog.Verification verification = useCases.audit().verify(caller());
            VerifyAuditResponse.Builder response = VerifyAuditResponse.newBuilder()
                    .setIntact(verification.firstBroken().isEmpty())
                    .setChecked(verification.checked());
            verification.firstBroken().ifPresent(broken -> response.setFirstBroken(
                    BrokenLink.newBuilder().setSequence(broken.sequence()).setReason(broken.reason())));
            return response.build();
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
