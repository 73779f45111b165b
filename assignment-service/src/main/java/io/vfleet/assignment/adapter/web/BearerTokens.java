package io.vfleet.assignment.adapter.web;

import io.vfleet.assignment.application.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates every API request by its {@code Authorization: Bearer} token and leaves the
 * {@link Caller} on the request. Tokens are compared in constant time.
 */
final class BearerTokens implements HandlerInterceptor {

    static final String CALLER = BearerTokens.class.getName() + ".caller";

    private record Known(byte[] token, Caller caller) {}

    private final List<Known> known = new ArrayList<>();

    BearerTokens(SecurityProperties properties) {
        for (SecurityProperties.Token token : properties.tokens()) {
            if (token.token() == null || token.token().isBlank() || token.role() == null) {
                throw new IllegalStateException("vfleet.security.tokens: every token needs a token and a role");
            }
            Caller.Role role = Caller.Role.valueOf(token.role().toUpperCase(Locale.ROOT));
            if (token.tenant() != null && role != Caller.Role.ORCHESTRATOR) {
                throw new IllegalStateException("vfleet.security.tokens: only an orchestrator is scoped to a tenant");
            }
            known.add(new Known(token.token().getBytes(StandardCharsets.UTF_8), new Caller(role, token.tenant())));
        }
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new Unauthenticated("send Authorization: Bearer <token>");
        }
        byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        Caller caller = null;
        for (Known candidate : known) {
            if (MessageDigest.isEqual(candidate.token(), presented)) {
                caller = candidate.caller();
            }
        }
        if (caller == null) {
            throw new Unauthenticated("the bearer token is not known");
        }
        request.setAttribute(CALLER, caller);
        return true;
    }

    /** No credentials, or unknown ones. */
    static final class Unauthenticated extends RuntimeException {
        Unauthenticated(String message) {
            super(message);
        }
    }
}
