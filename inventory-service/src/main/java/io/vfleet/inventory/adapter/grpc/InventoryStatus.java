package io.vfleet.inventory.adapter.grpc;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.security.AccessDenied;
import io.vfleet.inventory.domain.RegistrationRefused;
import io.vfleet.inventory.domain.RelistRequired;
import io.vfleet.inventory.domain.UnknownNode;
import java.util.Map;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * The one place the inventory's refusals become gRPC statuses, each with a {@code google.rpc.ErrorInfo}
 * whose reason names the refusal (the reasons are listed in {@code inventory.proto}). Anything not listed
 * here is a bug and leaves as INTERNAL.
 */
final class InventoryStatus {
    static final String DOMAIN = "vfleet.io";

    private InventoryStatus() {
    }

    static StatusRuntimeException of(RuntimeException failure) {
        return switch (failure) {
            case RegistrationRefused refused -> registrationRefused(refused);
            case RelistRequired relist -> status(Status.Code.FAILED_PRECONDITION, "RELIST_REQUIRED", relist.getMessage(),
                    Map.of("asked_revision", relist.asked().toString(),
                            "oldest_resumable_revision", relist.oldestResumable().toString()));
            case UnknownNode unknown -> status(Status.Code.NOT_FOUND, "UNKNOWN_NODE", unknown.getMessage(), Map.of());
            case AccessDenied denied -> status(Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", denied.getMessage(), Map.of());
            case IllegalArgumentException bad -> status(Status.Code.INVALID_ARGUMENT, "INVALID_ARGUMENT", bad.getMessage(), Map.of());
            // No database connection came in time: the inventory is overloaded or its database is away. The
            // call changed nothing, and agents retry with backoff.
            case CannotCreateTransactionException busy -> status(Status.Code.UNAVAILABLE, "INVENTORY_UNAVAILABLE",
                    "the inventory cannot reach its database now; retry later", Map.of());
            default -> Status.INTERNAL.withDescription(failure.toString()).withCause(failure).asRuntimeException();
        };
    }

    static StatusRuntimeException unauthenticated(String detail) {
        return status(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED", detail, Map.of());
    }

    private static StatusRuntimeException registrationRefused(RegistrationRefused refused) {
        BadRequest.Builder badRequest = BadRequest.newBuilder();
        for (String problem : refused.problems()) {
            int colon = problem.indexOf(": ");
            badRequest.addFieldViolations(BadRequest.FieldViolation.newBuilder()
                    .setField(colon < 0 ? "" : problem.substring(0, colon))
                    .setDescription(colon < 0 ? problem : problem.substring(colon + 2)));
        }
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.INVALID_ARGUMENT.value())
                .setMessage(refused.getMessage())
                .addDetails(Any.pack(errorInfo("REGISTRATION_REFUSED", Map.of())))
                .addDetails(Any.pack(badRequest.build()))
                .build());
    }

    private static StatusRuntimeException status(Status.Code code, String reason, String detail, Map<String, String> metadata) {
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(detail)
                .addDetails(Any.pack(errorInfo(reason, metadata)))
                .build());
    }

    private static ErrorInfo errorInfo(String reason, Map<String, String> metadata) {
        return ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).putAllMetadata(metadata).build();
    }
}
