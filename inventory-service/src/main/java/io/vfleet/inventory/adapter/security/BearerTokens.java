package io.vfleet.inventory.adapter.security;

import io.vfleet.inventory.domain.Caller;
import io.vfleet.inventory.domain.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Who a bearer token belongs to, for the web and gRPC edges alike. Tokens are looked up by their SHA-256
 * digest, so that the lookup's timing says nothing about how much of a guessed token was right.
 *
 * <p>The configuration is checked whole at startup: a token that is empty, repeated, of an unknown role,
 * or an agent's without a node stops the service rather than letting anyone in with less.
 */
public final class BearerTokens {
    private static final String SCHEME = "Bearer ";

    private final Map<String, Caller> callersByDigest = new HashMap<>();

    public BearerTokens(SecurityProperties properties) {
        for (int index = 0; index < properties.tokens().size(); index++) {
            SecurityProperties.Token token = properties.tokens().get(index);
            String path = "vfleet.security.tokens[" + index + "]";
            if (token.token() == null || token.token().isBlank()) {
                throw new IllegalStateException(path + ".token: must not be empty");
            }
            Caller caller = callerOf(token, path);
            if (callersByDigest.putIfAbsent(digest(token.token()), caller) != null) {
                throw new IllegalStateException(path + ".token: the same token is configured twice");
            }
        }
    }

    /** The caller an {@code Authorization} header value names, if it is a known bearer token. */
    public Optional<Caller> authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            return Optional.empty();
        }
        String token = authorization.substring(SCHEME.length()).trim();
        return token.isEmpty() ? Optional.empty() : Optional.ofNullable(callersByDigest.get(digest(token)));
    }

    private static Caller callerOf(SecurityProperties.Token token, String path) {
        Role role;
        try {
            role = Role.valueOf(String.valueOf(token.role()).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException unknown) {
            throw new IllegalStateException(path + ".role: '" + token.role() + "' is not a role (agent, operator, auditor, orchestrator)");
        }
        if (role == Role.AGENT && (token.node() == null || token.node().isBlank())) {
            throw new IllegalStateException(path + ".node: an agent's token names the node it acts for");
        }
        if (role != Role.AGENT && token.node() != null) {
            throw new IllegalStateException(path + ".node: only an agent's token names a node");
        }
        String name = token.name() != null ? token.name()
                : role == Role.AGENT ? "agent:" + token.node() : role.name().toLowerCase(Locale.ROOT) + ":" + path;
        return new Caller(name, role, token.node(), token.tenant());
    }

    private static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException absent) {
            throw new AssertionError("every JDK has SHA-256", absent);
        }
    }
}
