package io.vfleet.agent.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.agent.vmm.SyscallScope;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.security.BearerAuthenticator;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.security.Unauthenticated;
import io.vfleet.security.grpc.Callers;
import java.util.Map;
import java.util.Optional;

/**
 * Who may make system calls, and in which processes ({@code Syscalls} is authorized here, not by the
 * shared table): the bearer credential of a prepared assignment reaches that assignment's VMM process
 * alone ({@link SyscallScope}); an operator (its certificate, or the local stack's static token)
 * reaches every process, as root on the host does. Runs after the shared interceptor, which has left
 * the certificate's caller, if any.
 */
public final class SyscallsAccess implements ServerInterceptor {
    private static final Context.Key<Grant> GRANT = Context.key("vfleet-syscalls-grant");
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    /** What a call was granted: one assignment's VMM, or (empty) every process. */
    record Grant(Optional<SyscallScope> scope) {}

    private final Preparations preparations;
    private final BearerAuthenticator tokens;

    public SyscallsAccess(Preparations preparations, BearerAuthenticator tokens) {
        this.preparations = preparations;
        this.tokens = tokens;
    }

    /** The scope of the call being served; empty when it reaches every process. */
    static Optional<SyscallScope> scope() {
        Grant grant = GRANT.get();
        if (grant == null) {
            throw new AssertionError("every Syscalls call passes SyscallsAccess first");
        }
        return grant.scope();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!SyscallsGrpc.SERVICE_NAME.equals(call.getMethodDescriptor().getServiceName())) {
            return next.startCall(call, headers);
        }
        Grant grant;
        try {
            grant = grant(headers.get(AUTHORIZATION));
        } catch (Unauthenticated refused) {
            return refuse(call, Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED", refused.getMessage());
        }
        if (grant == null) {
            return refuse(call, Status.Code.PERMISSION_DENIED, "PERMISSION_DENIED",
                    "system calls are for an assignment's credential holder or an operator");
        }
        return Contexts.interceptCall(Context.current().withValue(GRANT, grant), call, headers, next);
    }

    /** The grant the credentials prove; null for a caller proved but without rights here. */
    private Grant grant(String authorization) {
        Optional<Caller> caller;
        if (authorization != null) {
            String token = BearerAuthenticator.bearerOf(authorization);
            if (token == null) {
                throw new Unauthenticated("the authorization metadata is not a Bearer credential");
            }
            Optional<SyscallScope> scope = preparations.scopeOf(token);
            if (scope.isPresent()) {
                return new Grant(scope);
            }
            try {
                caller = Optional.of(tokens.authenticate(token));
            } catch (Unauthenticated unknown) {
                throw new Unauthenticated("the bearer credential is not one of a prepared assignment here, nor a known token");
            }
        } else {
            caller = Callers.ifAny();
        }
        if (caller.isEmpty()) {
            throw new Unauthenticated("system calls need an assignment's credential (authorization: Bearer) "
                    + "or an operator's client certificate");
        }
        return caller.get().role() == Role.OPERATOR ? new Grant(Optional.empty()) : null;
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, Status.Code code, String reason, String detail) {
        var refusal = KernelStatus.refusal(code, reason, detail, Map.of());
        call.close(refusal.getStatus(), refusal.getTrailers());
        return new ServerCall.Listener<>() {
        };
    }
}
