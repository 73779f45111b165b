package io.vfleet.assignment.adapter.web;

import io.vfleet.assignment.adapter.security.BearerTokens;
import io.vfleet.assignment.application.Caller;
import io.vfleet.rest.ProblemType;
import io.vfleet.rest.ProblemWriter;
import io.vfleet.rest.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Lets only an operator's or an auditor's bearer token read {@code /actuator/prometheus}: the
 * metrics name tenants' errors and the fleet's load. The health probes stay open for the kubelet.
 *
 * <p>A servlet filter, not a {@link BearerTokenInterceptor}: actuator endpoints are not served by
 * the handler mapping the API's interceptors are registered on. Refusals are problems of the API's
 * vocabulary, 401 for a missing or unknown token and 403 for an orchestrator's.
 */
final class MetricsTokenFilter extends OncePerRequestFilter {

    private final BearerTokens tokens;
    private final ProblemWriter problems;

    MetricsTokenFilter(BearerTokens tokens, ProblemWriter problems) {
        this.tokens = tokens;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Caller caller;
        try {
            caller = tokens.authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
        } catch (BearerTokens.Unauthenticated unauthenticated) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            problems.write(request, response, Problems.of(ProblemType.UNAUTHENTICATED, unauthenticated.getMessage()));
            return;
        }
        if (caller.role() == Caller.Role.ORCHESTRATOR) {
            problems.write(request, response, Problems.of(ProblemType.FORBIDDEN, "the metrics are for operators and auditors"));
            return;
        }
        chain.doFilter(request, response);
    }
}
