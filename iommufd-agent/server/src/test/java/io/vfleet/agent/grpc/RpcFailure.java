package io.vfleet.agent.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.api.agent.v1.IoctlResponse;
import java.util.Optional;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** What a failed RPC said: its status code, its ErrorInfo, and a packed partial reply if any. */
record RpcFailure(Status.Code code, ErrorInfo info, Optional<IoctlResponse> partial) {

    static RpcFailure of(ThrowingCallable call) {
        StatusRuntimeException failure = catchThrowableOfType(StatusRuntimeException.class, call);
        assertThat(failure).as("the call should have failed").isNotNull();
        com.google.rpc.Status status = StatusProto.fromThrowable(failure);
        assertThat(status).as("a rich status").isNotNull();
        ErrorInfo info = null;
        IoctlResponse partial = null;
        try {
            for (Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    info = detail.unpack(ErrorInfo.class);
                } else if (detail.is(IoctlResponse.class)) {
                    partial = detail.unpack(IoctlResponse.class);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
        assertThat(info).as("ErrorInfo in the details").isNotNull();
        return new RpcFailure(failure.getStatus().getCode(), info, Optional.ofNullable(partial));
    }

    /** Asserts a kernel refusal: the errno's name, number and domain, and the code. */
    RpcFailure isErrno(String name, int number, Status.Code expectedCode) {
        assertThat(info.getReason()).isEqualTo(name);
        assertThat(info.getDomain()).isEqualTo("vfleet.io");
        assertThat(info.getMetadataMap()).containsEntry("errno", Integer.toString(number));
        assertThat(code).isEqualTo(expectedCode);
        return this;
    }
}
