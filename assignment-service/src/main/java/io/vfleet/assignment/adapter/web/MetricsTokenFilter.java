package io.vfleet.assignment.adapter.web;

import io.vfleet.assignment.adapter.security.BearerTokens;
import io.vfleet.assignment.application.Caller;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lets only an operator's or an auditor's bearer token read {@code /actuator/prometheus}: the
 * metrics name tenants' errors and the fleet's load. The health probes stay open for the kubelet.
 *
 * <p>A servlet filter, not a {@link BearerTokenInterceptor}: actuator endpoints are not served by
 * the handler mapping the API's interceptors are registered on. Refusals are RFC 9457 problems
 * like the API's, 401 for a missing or unknown token and 403 for an orchestrator's.
 */
final class MetricsTokenFilter extends OncePerRequestFilter {

    private final BearerTokens tokens;
    private final JsonMapper json;

    MetricsTokenFilter(BearerTokens tokens, JsonMapper json) {
        this.tokens = tokens;
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Caller caller;
        try {
            caller = tokens.authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
        } catch (BearerTokens.Unauthenticated unauthenticated) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            refuse(request, response, new Refusal(HttpServletResponse.SC_UNAUTHORIZED, "unauthenticated",
                    "Unauthenticated", unauthenticated.getMessage()));
            return;
        }
        if (caller.role() == Caller.Role.ORCHESTRATOR) {
            refuse(request, response, new Refusal(HttpServletResponse.SC_FORBIDDEN, "forbidden", "Forbidden",
                    "the metrics are for operators and auditors"));
            return;
        }
        chain.doFilter(request, response);
    }

    private record Refusal(int status, String type, String title, String detail) {}

    private void refuse(HttpServletRequest request, HttpServletResponse response, Refusal refusal) throws IOException {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "urn:vfleet:problem:" + refusal.type());
        problem.put("title", refusal.title());
        problem.put("status", refusal.status());
        problem.put("detail", refusal.detail());
        problem.put("instance", request.getRequestURI());
        response.setStatus(refusal.status());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8);
        response.getWriter().write(json.writeValueAsString(problem));
    }
}
