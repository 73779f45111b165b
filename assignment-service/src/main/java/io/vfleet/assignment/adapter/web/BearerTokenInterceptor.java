package io.vfleet.assignment.adapter.web;

import io.vfleet.assignment.adapter.security.BearerTokens;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Authenticates every API request by its {@code Authorization: Bearer} token and leaves the
 * {@link io.vfleet.assignment.application.Caller} on the request; an unknown or missing token ends
 * the request with 401 (see {@link AssignmentProblems}).
 */
final class BearerTokenInterceptor implements HandlerInterceptor {

    static final String CALLER = BearerTokenInterceptor.class.getName() + ".caller";

    private final BearerTokens tokens;

    BearerTokenInterceptor(BearerTokens tokens) {
        this.tokens = tokens;
    }

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        request.setAttribute(CALLER, tokens.authenticate(request.getHeader("Authorization")));
        return true;
    }
}
