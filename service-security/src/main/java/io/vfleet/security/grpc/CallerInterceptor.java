package io.vfleet.security.grpc;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.vfleet.security.BearerAuthenticator;
import io.vfleet.security.Caller;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.Unauthenticated;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Authenticates and authorizes every gRPC call of an application against its {@link GrpcAccess} table,
 * before any service sees it, and hands the {@link Caller} to the services ({@link Callers#current()}).
 * The caller is the one a bearer token proves ({@code authorization: Bearer}, the same
 * {@link BearerAuthenticator} as REST), or else the one the peer's TLS certificate names (agents, the
 * controller). Refusals carry {@code google.rpc.ErrorInfo} in domain {@code vfleet.io}: UNAUTHENTICATED
 * without a caller, PERMISSION_DENIED for a role the method is not for or a method without a rule.
 *
 * <p>One interceptor rather than Spring gRPC's {@code GrpcSecurity}: a caller here is proved either by a
 * token or by the certificate (which {@code GrpcSecurity} takes as two separate authentication managers
 * and rules), some methods are authorized by the service's own credential (the agent's system calls),
 * and refusals must speak the services' ErrorInfo vocabulary.
 */
public final class CallerInterceptor implements ServerInterceptor {
    public static final String DOMAIN = "vfleet.io";
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final BearerAuthenticator tokens;
    private final GrpcAccess access;

    public CallerInterceptor(BearerAuthenticator tokens, GrpcAccess access) {
        this.tokens = tokens;
        this.access = access;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        Optional<GrpcAccess.Rule> rule = access.ruleFor(call.getMethodDescriptor().getServiceName(), method);
        if (rule.isEmpty()) {
            return refuse(call, Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", "no access rule serves " + method);
        }
        Optional<Caller> certified = peerCertificate(call).flatMap(CertificateIdentity::callerOf);
        return switch (rule.get()) {
            case GrpcAccess.Rule.Open open -> next.startCall(call, headers);
            case GrpcAccess.Rule.ByService byService -> {
                Context context = certified.map(caller -> Context.current().withValue(Callers.KEY, caller)).orElse(Context.current());
                yield Contexts.interceptCall(context, call, headers, next);
            }
            case GrpcAccess.Rule.Roles roles -> byRole(roles, certified, method, call, headers, next);
        };
    }

    /** A call a role may make: its caller by bearer token, else by its client certificate. */
    private <Q, R> ServerCall.Listener<Q> byRole(GrpcAccess.Rule.Roles roles, Optional<Caller> certified, String method,
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Caller caller;
        String authorization = headers.get(AUTHORIZATION);
        if (authorization != null) {
            String token = BearerAuthenticator.bearerOf(authorization);
            try {
                if (token == null) {
                    throw new Unauthenticated("the authorization metadata is not a Bearer token");
                }
                caller = tokens.authenticate(token);
            } catch (Unauthenticated refused) {
                return refuse(call, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED", refused.getMessage());
            }
        } else if (certified.isPresent()) {
            caller = certified.get();
        } else {
            return refuse(call, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED",
                    "this call needs an authorization: Bearer token or a client certificate naming a fleet identity");
        }
        if (!roles.roles().contains(caller.role())) {
            return refuse(call, Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED", "role " + caller.role().claimValue()
                    + " may not call " + method + "; it is for " + roles.roles().stream().map(r -> r.claimValue())
                    .sorted().collect(Collectors.joining(", ")));
        }
        return Contexts.interceptCall(Context.current().withValue(Callers.KEY, caller), call, headers, next);
    }

    /** The peer's leaf certificate, when the call came over TLS with a client certificate. */
    public static Optional<X509Certificate> peerCertificate(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return Optional.empty();
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? Optional.of(leaf) : Optional.empty();
        } catch (SSLPeerUnverifiedException none) {
            return Optional.empty();
        }
    }

    /** A refusal with ErrorInfo, in the shape every vfleet service answers with. */
    public static StatusRuntimeException status(Status.Code code, String reason, String detail) {
        ErrorInfo info = ErrorInfo.newBuilder().setReason(reason).setDomain(DOMAIN).build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(code.value()).setMessage(detail).addDetails(Any.pack(info)).build());
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status.Code code, String reason, String detail) {
        StatusRuntimeException refusal = status(code, reason, detail);
        call.close(refusal.getStatus(), refusal.getTrailers());
        return new ServerCall.Listener<>() {
        };
    }
}
