package io.vfleet.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The local stack's bearer tokens: a fixed table of token → caller, checked whole at startup (an empty,
 * repeated or role-less token, an agent without a node, a tenant on anything but an orchestrator stops
 * the application). Tokens are looked up by their SHA-256 digest, so the lookup's timing says nothing
 * about how much of a guessed token was right.
 */
public final class StaticTokens implements BearerAuthenticator {
    private final Map<String, Caller> callersByDigest = new HashMap<>();

    public StaticTokens(List<SecurityProperties.StaticToken> tokens) {
        for (int index = 0; index < tokens.size(); index++) {
            SecurityProperties.StaticToken token = tokens.get(index);
            String path = "vfleet.security.tokens[" + index + "]";
            if (token.token() == null || token.token().isBlank()) {
                throw new IllegalStateException(path + ".token: must not be empty");
            }
            Caller caller = callerOf(token, path);
            if (callersByDigest.putIfAbsent(digest(token.token().strip()), caller) != null) {
                throw new IllegalStateException(path + ".token: the same token is configured twice");
            }
        }
    }

    @Override
    public Caller authenticate(String token) {
        Caller caller = token == null ? null : callersByDigest.get(digest(token.strip()));
        if (caller == null) {
            throw new Unauthenticated("the bearer token is not one this service knows");
        }
        return caller;
    }

    private static Caller callerOf(SecurityProperties.StaticToken token, String path) {
        Role role = Role.fromClaim(token.role());
        if (role == null) {
            throw new IllegalStateException(path + ".role: '" + token.role()
                    + "' is not a role (orchestrator, operator, auditor, agent, controller)");
        }
        if (role == Role.AGENT && (token.node() == null || token.node().isBlank())) {
            throw new IllegalStateException(path + ".node: an agent's token names the node it acts for");
        }
        if (role != Role.AGENT && token.node() != null) {
            throw new IllegalStateException(path + ".node: only an agent's token names a node");
        }
        if (role != Role.ORCHESTRATOR && token.tenant() != null) {
            throw new IllegalStateException(path + ".tenant: only an orchestrator is scoped to a tenant");
        }
        String subject = token.subject() != null && !token.subject().isBlank() ? token.subject()
                : role == Role.AGENT ? "node/" + token.node()
                : "token-" + digest(token.token().strip()).substring(0, 16);
        return new Caller(subject, role, token.tenant(), role == Role.AGENT ? token.node() : null);
    }

    static String digest(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException absent) {
            throw new AssertionError("every JDK has SHA-256", absent);
        }
    }
}
