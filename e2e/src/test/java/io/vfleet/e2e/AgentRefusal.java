package io.vfleet.e2e;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** A refused agent call as the wire carries it: the status code and the ErrorInfo reason. */
record AgentRefusal(Status.Code code, String reason, String message) {

    static AgentRefusal of(Throwable thrown) {
        if (!(thrown instanceof StatusRuntimeException failure)) {
            throw new AssertionError("expected a gRPC status, got " + thrown, thrown);
        }
        com.google.rpc.Status status = StatusProto.fromThrowable(failure);
        String reason = "";
        if (status != null) {
            for (com.google.protobuf.Any detail : status.getDetailsList()) {
                if (detail.is(ErrorInfo.class)) {
                    try {
                        reason = detail.unpack(ErrorInfo.class).getReason();
                    } catch (InvalidProtocolBufferException e) {
                        throw new AssertionError("an ErrorInfo that does not parse", e);
                    }
                }
            }
        }
        return new AgentRefusal(failure.getStatus().getCode(), reason, failure.getStatus().getDescription());
    }
}
