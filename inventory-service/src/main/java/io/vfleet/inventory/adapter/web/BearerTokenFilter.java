package io.vfleet.inventory.adapter.web;

import io.vfleet.inventory.adapter.security.BearerTokens;
import io.vfleet.inventory.domain.Caller;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Lets through only requests that carry a known bearer token, and hands the caller it names to the
 * controllers as the request attribute {@link #CALLER}. Anything else gets 401 as an RFC 9457 problem.
 */
public final class BearerTokenFilter extends OncePerRequestFilter {
    public static final String CALLER = Caller.class.getName();

    private final BearerTokens tokens;
    private final JsonMapper json;

    public BearerTokenFilter(BearerTokens tokens, JsonMapper json) {
        this.tokens = tokens;
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        Optional<Caller> caller = tokens.authenticate(authorization);
        if (caller.isEmpty()) {
            Map<String, Object> problem = new LinkedHashMap<>();
            problem.put("type", "about:blank");
            problem.put("title", "Unauthorized");
            problem.put("status", HttpServletResponse.SC_UNAUTHORIZED);
            problem.put("detail", authorization == null ? "this call needs an Authorization: Bearer token"
                    : "the bearer token is not one this service knows");
            problem.put("instance", request.getRequestURI());
            response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"vfleet\"");
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8);
            response.getWriter().write(json.writeValueAsString(problem));
            return;
        }
        request.setAttribute(CALLER, caller.get());
        chain.doFilter(request, response);
    }
}
