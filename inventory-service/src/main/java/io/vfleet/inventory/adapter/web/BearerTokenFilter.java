package io.vfleet.inventory.adapter.web;

import io.vfleet.inventory.adapter.security.BearerTokens;
import io.vfleet.inventory.domain.Caller;
import io.vfleet.rest.ProblemType;
import io.vfleet.rest.ProblemWriter;
import io.vfleet.rest.Problems;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Lets through only requests that carry a known bearer token, and hands the caller it names to the
 * controllers as the request attribute {@link #CALLER}. Anything else gets 401, a problem of the
 * shared vocabulary.
 */
public final class BearerTokenFilter extends OncePerRequestFilter {
    public static final String CALLER = Caller.class.getName();

    private final BearerTokens tokens;
    private final ProblemWriter problems;

    public BearerTokenFilter(BearerTokens tokens, ProblemWriter problems) {
        this.tokens = tokens;
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
        Optional<Caller> caller = tokens.authenticate(authorization);
        if (caller.isEmpty()) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"vfleet\"");
            problems.write(request, response, Problems.of(ProblemType.UNAUTHENTICATED, authorization == null
                    ? "this call needs an Authorization: Bearer token" : "the bearer token is not one this service knows"));
            return;
        }
        request.setAttribute(CALLER, caller.get());
        chain.doFilter(request, response);
    }
}
