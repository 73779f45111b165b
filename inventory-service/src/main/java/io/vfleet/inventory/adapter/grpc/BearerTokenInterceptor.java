package io.vfleet.inventory.adapter.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.health.v1.HealthGrpc;
import io.vfleet.inventory.adapter.security.BearerTokens;
import io.vfleet.inventory.domain.Caller;
import java.util.Optional;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Lets through only calls that carry a known bearer token in their {@code authorization} metadata, and
 * hands the caller it names to the services through {@link #CALLER}. The health service stays open for
 * probes; everything else, reflection included, needs a token.
 */
@Component
@GlobalServerInterceptor
class BearerTokenInterceptor implements ServerInterceptor {
    static final Context.Key<Caller> CALLER = Context.key("vfleet-caller");
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final BearerTokens tokens;

    BearerTokenInterceptor(BearerTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (HealthGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        String authorization = headers.get(AUTHORIZATION);
        Optional<Caller> caller = tokens.authenticate(authorization);
        if (caller.isEmpty()) {
            var refusal = InventoryStatus.unauthenticated(authorization == null
                    ? "this call needs an authorization: Bearer token" : "the bearer token is not one this service knows");
            call.close(refusal.getStatus(), refusal.getTrailers());
            return new ServerCall.Listener<>() {
            };
        }
        return Contexts.interceptCall(Context.current().withValue(CALLER, caller.get()), call, headers, next);
    }
}
