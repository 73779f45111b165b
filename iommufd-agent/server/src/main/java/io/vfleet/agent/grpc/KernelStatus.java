package io.vfleet.agent.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Message;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.engine.Errno;
import java.util.Map;

/**
 * The one place a refusal becomes a gRPC status: the code for the errno (ARCHITECTURE.md, "The agent's
 * gRPC API", and KERNEL.md, "Decisions for vfleet"), a {@code google.rpc.ErrorInfo} detail whose reason
 * is the errno name and whose metadata carries its number, and, where the call wrote part of its
 * output before failing, that output packed as a further detail.
 */
public final class KernelStatus {
    public static final String DOMAIN = "vfleet.io";

    private KernelStatus() {
    }

    /** The status code clients see for {@code errno}; clients should rely on the errno in ErrorInfo. */
    public static Status.Code code(Errno errno) {
        return switch (errno) {
            case EINVAL, EBADF, E2BIG, EBADFD, EFAULT, ENOTDIR, EISDIR, ENAMETOOLONG -> Status.Code.INVALID_ARGUMENT;
            case ENOENT, ENODEV, ENXIO, ESRCH -> Status.Code.NOT_FOUND;
            case EEXIST -> Status.Code.ALREADY_EXISTS;
            case EBUSY, EADDRINUSE, EROFS -> Status.Code.FAILED_PRECONDITION;
            case EPERM, EACCES -> Status.Code.PERMISSION_DENIED;
            case ENOSPC, ENOMEM, EMFILE, ENFILE -> Status.Code.RESOURCE_EXHAUSTED;
            case EOVERFLOW, ERANGE, EMSGSIZE -> Status.Code.OUT_OF_RANGE;
            case EOPNOTSUPP, ENOTTY, ENOSYS -> Status.Code.UNIMPLEMENTED;
            case EDEADLK, EINTR -> Status.Code.ABORTED;
            case EIO, EAGAIN -> Status.Code.UNAVAILABLE;
        };
    }

    /** A kernel refusal: {@code detail} says which rule refused; {@code partial} is null or what was written. */
    public static StatusRuntimeException of(Errno errno, String detail, Map<String, String> metadata, Message partial) {
        ErrorInfo.Builder info = ErrorInfo.newBuilder()
                .setReason(errno.name())
                .setDomain(DOMAIN)
                .putMetadata("errno", Integer.toString(errno.number()))
                .putAllMetadata(metadata);
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(code(errno).value())
                .setMessage(detail)
                .addDetails(Any.pack(info.build()));
        if (partial != null) {
            status.addDetails(Any.pack(partial));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    /** A refusal by the agent itself rather than the kernel, with its own reason. */
    public static StatusRuntimeException refusal(Status.Code code, String reason, String detail, Map<String, String> metadata) {
        ErrorInfo info = ErrorInfo.newBuilder()
                .setReason(reason)
                .setDomain(DOMAIN)
                .putAllMetadata(metadata)
                .build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(detail)
                .addDetails(Any.pack(info))
                .build());
    }

    /** Input that cannot be said to the kernel at all: INVALID_ARGUMENT naming the field. */
    public static StatusRuntimeException invalidField(String field, String why) {
        return refusal(Status.Code.INVALID_ARGUMENT, "INVALID_FIELD", field + ": " + why, Map.of("field", field));
    }
}
