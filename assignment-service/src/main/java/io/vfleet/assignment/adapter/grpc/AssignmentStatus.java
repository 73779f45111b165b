package io.vfleet.assignment.adapter.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.api.assignment.v1.Violations;
import io.vfleet.security.AccessDenied;
import io.vfleet.security.Unauthenticated;
import io.vfleet.assignment.application.Conflict;
import io.vfleet.assignment.application.InvalidRequest;
import io.vfleet.assignment.application.NotFound;
import io.vfleet.assignment.domain.AgentAnswer;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.Violation;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place a failure becomes a gRPC status, with a {@code google.rpc.ErrorInfo} whose reason
 * names the rule (the contract is written at the head of {@code assignment.proto}): refusals are
 * FAILED_PRECONDITION with every violation in a {@code Violations} detail, bad input is
 * INVALID_ARGUMENT with a {@code BadRequest} naming each field. Anything else is a bug, INTERNAL.
 */
final class AssignmentStatus {

    static final String DOMAIN = "vfleet.io";

    private static final Logger log = LoggerFactory.getLogger(AssignmentStatus.class);

    private AssignmentStatus() {}

    /** One field at fault and why; thrown before any use case is called, so nothing changed. */
    static final class InvalidFields extends RuntimeException {
        private final List<BadRequest.FieldViolation> fields;

        InvalidFields(List<BadRequest.FieldViolation> fields) {
            super(describe(fields));
            this.fields = List.copyOf(fields);
        }

        private static String describe(List<BadRequest.FieldViolation> fields) {
            StringBuilder text = new StringBuilder();
            for (BadRequest.FieldViolation field : fields) {
                text.append(text.isEmpty() ? "" : "; ").append(field.getField()).append(' ').append(field.getDescription());
            }
            return text.toString();
        }
    }

    static StatusRuntimeException of(RuntimeException failure) {
        return switch (failure) {
            case AssignmentRefused refused -> refused(refused);
            case Conflict conflict -> conflict(conflict);
            case AssignmentState.IllegalTransition illegal ->
                    status(Code.FAILED_PRECONDITION, "ILLEGAL_TRANSITION", illegal.getMessage());
            case NotFound notFound -> status(Code.NOT_FOUND, "NOT_FOUND", notFound.getMessage());
            case AccessDenied denied -> status(Code.PERMISSION_DENIED, "PERMISSION_DENIED", denied.getMessage());
            case Unauthenticated unauthenticated ->
                    status(Code.UNAUTHENTICATED, "UNAUTHENTICATED", unauthenticated.getMessage());
            case InvalidFields invalid -> invalid(invalid.fields);
            case InvalidRequest invalid -> invalid(List.of(field(invalid.field(),
                    invalid.getMessage().substring(invalid.field().length() + 2))));
            // The domain's records refuse impossible values (a count below 1) with this.
            case IllegalArgumentException invalid -> invalid(List.of(field("request", invalid.getMessage())));
            default -> {
                log.error("a gRPC call failed in a way no rule describes", failure);
                yield status(Code.INTERNAL, "INTERNAL", "internal error; see the service's log");
            }
        };
    }

    static BadRequest.FieldViolation field(String field, String description) {
        return BadRequest.FieldViolation.newBuilder().setField(field).setDescription(description).build();
    }

    private static StatusRuntimeException refused(AssignmentRefused refused) {
        Violations.Builder violations = Violations.newBuilder();
        for (Violation violation : refused.violations()) {
            var message = io.vfleet.api.assignment.v1.Violation.newBuilder()
                    .setRule(violation.rule().name())
                    .setDevice(violation.device() == null ? "" : violation.device())
                    .setDetail(violation.detail());
            if (violation.agent() != null) {
                if (violation.agent().isErrno()) {
                    message.setErrno(violation.agent().reason()).setErrnoNumber(violation.agent().errno());
                } else {
                    message.setAgentReason(violation.agent().reason());
                }
            }
            violations.addViolations(message);
        }
        refused.assignmentId().ifPresent(violations::setAssignmentId);
        Violation first = refused.violations().getFirst();
        ErrorInfo.Builder info = ErrorInfo.newBuilder()
                .setReason(first.rule().name())
                .setDomain(DOMAIN);
        refused.assignmentId().ifPresent(id -> info.putMetadata("assignment_id", id));
        if (first.device() != null) {
            info.putMetadata("device", first.device());
        }
        putAgentAnswer(info, first.agent());
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.FAILED_PRECONDITION_VALUE)
                .setMessage(refused.getMessage())
                .addDetails(Any.pack(info.build()))
                .addDetails(Any.pack(violations.build()))
                .build());
    }

    /**
     * A conflict: ALREADY_EXISTS for a reused Idempotency-Key, ABORTED when a newer decision reached the
     * agent first (as gRPC names a lost concurrency check), FAILED_PRECONDITION otherwise.
     */
    private static StatusRuntimeException conflict(Conflict conflict) {
        Code code = switch (conflict.reason()) {
            case IDEMPOTENCY_KEY_REUSED -> Code.ALREADY_EXISTS;
            case SUPERSEDED -> Code.ABORTED;
            case WRONG_STATE, AGENT_REFUSED, LOG_INCONSISTENT -> Code.FAILED_PRECONDITION;
        };
        ErrorInfo.Builder info = ErrorInfo.newBuilder().setReason(conflict.reason().name()).setDomain(DOMAIN);
        putAgentAnswer(info, conflict.agent());
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.getNumber())
                .setMessage(conflict.getMessage())
                .addDetails(Any.pack(info.build()))
                .build());
    }

    /**
     * What the node's agent said, in ErrorInfo metadata: {@code errno} (its name) and {@code errno_number}
     * when its kernel refused, {@code agent_reason} when the agent refused by a rule of its own.
     */
    private static void putAgentAnswer(ErrorInfo.Builder info, AgentAnswer answer) {
        if (answer == null) {
            return;
        }
        if (answer.isErrno()) {
            info.putMetadata("errno", answer.reason()).putMetadata("errno_number", Integer.toString(answer.errno()));
        } else {
            info.putMetadata("agent_reason", answer.reason());
        }
    }

    private static StatusRuntimeException invalid(List<BadRequest.FieldViolation> fields) {
        String message = InvalidFields.describe(fields);
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Code.INVALID_ARGUMENT_VALUE)
                .setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("INVALID_ARGUMENT").setDomain(DOMAIN)
                        .putMetadata("field", fields.getFirst().getField()).build()))
                .addDetails(Any.pack(BadRequest.newBuilder().addAllFieldViolations(fields).build()))
                .build());
    }

    private static StatusRuntimeException status(Code code, String reason, String message) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.getNumber())
                .setMessage(message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build()))
                .build());
    }
}
