package io.vfleet.agent.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lets through only calls to {@code vfleet.agent.v1} that carry one of the configured bearer tokens in their
 * {@code authorization} metadata; health and reflection stay open, so that probes and tools need no token.
 * A refused call ends UNAUTHENTICATED with ErrorInfo reason {@code UNAUTHENTICATED} before any service sees it.
 *
 * <p>Tokens are compared by their SHA-256 digest, so that the lookup's timing says nothing about how much of
 * a guessed token was right. With no tokens configured every call is let through.
 */
public final class BearerTokenInterceptor implements ServerInterceptor {
    static final String PROTECTED_PACKAGE = "vfleet.agent.v1.";
    private static final String SCHEME = "Bearer ";
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final Set<String> digests = new HashSet<>();

    /** @param tokens the accepted tokens; an empty or repeated one is a configuration mistake and stops the agent */
    public BearerTokenInterceptor(List<String> tokens) {
        for (int index = 0; index < tokens.size(); index++) {
            String token = tokens.get(index);
            String path = "vfleet.agent.caller-tokens[" + index + "]";
            if (token == null || token.isBlank()) {
                throw new IllegalStateException(path + ": must not be empty");
            }
            if (!digests.add(digest(token.strip()))) {
                throw new IllegalStateException(path + ": the same token is configured twice");
            }
        }
    }

    /** Whether calls are checked at all: false when no token is configured. */
    public boolean enforcing() {
        return !digests.isEmpty();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!enforcing() || !call.getMethodDescriptor().getFullMethodName().startsWith(PROTECTED_PACKAGE)) {
            return next.startCall(call, headers);
        }
        String authorization = headers.get(AUTHORIZATION);
        if (!accepts(authorization)) {
            var refusal = KernelStatus.refusal(Status.Code.UNAUTHENTICATED, "UNAUTHENTICATED", authorization == null
                    ? "this call needs an authorization: Bearer token" : "the bearer token is not one this agent accepts", Map.of());
            call.close(refusal.getStatus(), refusal.getTrailers());
            return new ServerCall.Listener<>() {
            };
        }
        return next.startCall(call, headers);
    }

    private boolean accepts(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return false;
        }
        String token = authorization.substring(SCHEME.length()).strip();
        return !token.isEmpty() && digests.contains(digest(token));
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException absent) {
            throw new AssertionError("every JDK has SHA-256", absent);
        }
    }
}
