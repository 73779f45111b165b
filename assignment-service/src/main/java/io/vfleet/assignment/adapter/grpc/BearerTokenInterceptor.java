package io.vfleet.assignment.adapter.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthGrpc;
import io.vfleet.assignment.adapter.security.BearerTokens;
import io.vfleet.assignment.application.Caller;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Authenticates every gRPC call by its {@code authorization: Bearer} metadata against the same token
 * table as the REST API, and hands the {@link Caller} to the services through {@link #CALLER}. Health
 * checks stay open for probes; every other service, reflection included, needs a token.
 */
@Component
@GlobalServerInterceptor
class BearerTokenInterceptor implements ServerInterceptor {

    static final Context.Key<Caller> CALLER = Context.key("vfleet-caller");

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final BearerTokens tokens;

    BearerTokenInterceptor(BearerTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        Caller caller;
        try {
            caller = tokens.authenticate(headers.get(AUTHORIZATION));
        } catch (BearerTokens.Unauthenticated unauthenticated) {
            StatusRuntimeException refusal = AssignmentStatus.of(unauthenticated);
            call.close(refusal.getStatus(), refusal.getTrailers());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller), call, headers, next);
    }
}
