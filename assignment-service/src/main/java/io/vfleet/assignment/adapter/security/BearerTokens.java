package io.vfleet.assignment.adapter.security;

import io.vfleet.assignment.application.Caller;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The one token table of the service: REST and gRPC authenticate every call here, so a token means
 * the same role and tenant scope on both. Tokens are compared in constant time, and every known
 * token is compared, so the time taken does not tell which one nearly matched.
 */
public final class BearerTokens {

    private record Known(byte[] token, Caller caller) {}

    private final List<Known> known = new ArrayList<>();

    public BearerTokens(SecurityProperties properties) {
        for (SecurityProperties.Token token : properties.tokens()) {
            if (token.token() == null || token.token().isBlank() || token.role() == null) {
                throw new IllegalStateException("vfleet.security.tokens: every token needs a token and a role");
            }
            Caller.Role role = Caller.Role.valueOf(token.role().toUpperCase(Locale.ROOT));
            if (token.tenant() != null && role != Caller.Role.ORCHESTRATOR) {
                throw new IllegalStateException("vfleet.security.tokens: only an orchestrator is scoped to a tenant");
            }
            String principal = token.name() != null && !token.name().isBlank() ? token.name()
                    : role.name().toLowerCase(Locale.ROOT) + ":" + fingerprint(token.token());
            known.add(new Known(token.token().getBytes(StandardCharsets.UTF_8), new Caller(principal, role, token.tenant())));
        }
    }

    /**
     * The caller an {@code Authorization} value ({@code Bearer <token>}) names.
     *
     * @throws Unauthenticated when the value is missing, not a bearer token, or an unknown token
     */
    public Caller authenticate(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Unauthenticated("send Authorization: Bearer <token>");
        }
        byte[] presented = authorization.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        Optional<Caller> caller = Optional.empty();
        for (Known candidate : known) {
            if (MessageDigest.isEqual(candidate.token(), presented)) {
                caller = Optional.of(candidate.caller());
            }
        }
        return caller.orElseThrow(() -> new Unauthenticated("the bearer token is not known"));
    }

    /** A token's stable, non-secret name: the start of its SHA-256 digest. */
    private static String fingerprint(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (java.security.NoSuchAlgorithmException missing) {
            throw new AssertionError("every JDK provides SHA-256", missing);
        }
    }

    /** No credentials, or unknown ones. */
    public static final class Unauthenticated extends RuntimeException {
        Unauthenticated(String message) {
            super(message);
        }
    }
}
