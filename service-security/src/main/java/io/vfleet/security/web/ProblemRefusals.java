package io.vfleet.security.web;

import io.vfleet.security.Role;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import tools.jackson.databind.json.JsonMapper;

/**
 * Spring Security's refusals as the API's RFC 9457 problems: 401 {@code urn:vfleet:problem:unauthenticated}
 * with {@code WWW-Authenticate: Bearer}, 403 {@code urn:vfleet:problem:forbidden}. The detail says what
 * was wrong (no token, an invalid one and why, a role that may not) and never echoes a credential.
 */
final class ProblemRefusals implements AuthenticationEntryPoint, AccessDeniedHandler {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final RestAccess access;

    ProblemRefusals(RestAccess access) {
        this.access = access;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException refused)
            throws IOException {
        String detail = request.getHeader(HttpHeaders.AUTHORIZATION) == null
                ? "this call needs an Authorization: Bearer token" : refused.getMessage();
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        write(request, response, HttpServletResponse.SC_UNAUTHORIZED, "unauthenticated", "Unauthenticated", detail);
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        write(request, response, HttpServletResponse.SC_FORBIDDEN, "forbidden", "Forbidden", denial(request));
    }

    /** Why a request was refused to its authenticated caller: the rule it met, in words. */
    String denial(HttpServletRequest request) {
        String role = SecurityContextHolder.getContext().getAuthentication() instanceof CallerAuthentication authenticated
                ? authenticated.getPrincipal().role().claimValue() : "unknown";
        for (RestAccess.Rule rule : access.rules()) {
            if (PathPatternRequestMatcher.pathPattern(rule.method(), rule.pattern()).matches(request)) {
                return "role " + role + " may not " + request.getMethod() + " " + request.getRequestURI() + ": it is for "
                        + roles(rule.roles().stream().sorted().toList());
            }
        }
        return "no access rule serves " + request.getMethod() + " " + request.getRequestURI();
    }

    private static String roles(List<Role> roles) {
        List<String> names = new ArrayList<>();
        roles.forEach(role -> names.add(role.name().toLowerCase(Locale.ROOT) + "s"));
        if (names.size() == 1) {
            return names.getFirst();
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " and " + names.getLast();
    }

    private static void write(HttpServletRequest request, HttpServletResponse response, int status, String type, String title,
            String detail) throws IOException {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "urn:vfleet:problem:" + type);
        problem.put("title", title);
        problem.put("status", status);
        problem.put("detail", detail);
        problem.put("instance", request.getRequestURI());
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8);
        response.getWriter().write(JSON.writeValueAsString(problem));
    }
}
