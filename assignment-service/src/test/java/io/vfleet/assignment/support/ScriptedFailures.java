package io.vfleet.assignment.support;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers the next call of a method with a scripted failure instead of passing it on, on the wire as
 * the agent's own edge would answer it (status, ErrorInfo and its metadata in the trailers), so that
 * everything behind the wire (translation, use case, the service's answer) runs as in production.
 */
public final class ScriptedFailures implements ServerInterceptor {
    private final Map<String, StatusRuntimeException> next = new ConcurrentHashMap<>();

    public void failNext(MethodDescriptor<?, ?> method, StatusRuntimeException failure) {
        next.put(method.getFullMethodName(), failure);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> handler) {
        StatusRuntimeException failure = next.remove(call.getMethodDescriptor().getFullMethodName());
        if (failure == null) {
            return handler.startCall(call, headers);
        }
        call.close(failure.getStatus(), failure.getTrailers() == null ? new Metadata() : failure.getTrailers());
        return new ServerCall.Listener<>() { };
    }
}
