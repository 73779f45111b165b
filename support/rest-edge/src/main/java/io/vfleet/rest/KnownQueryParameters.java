package io.vfleet.rest;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * Refuses a query parameter the operation does not have, naming it: {@code ?tenat=acme} would
 * otherwise list every tenant's assignments as if no filter had been asked for. The parameters an
 * operation has are its {@link RequestParam}s; one that takes them all (a map) accepts anything.
 */
final class KnownQueryParameters implements HandlerInterceptor {

    /** The parameters of one operation; empty when it takes any. */
    private final Map<HandlerMethod, Optional<Set<String>>> known = new ConcurrentHashMap<>();

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (!(handler instanceof HandlerMethod method) || request.getQueryString() == null) {
            return true;
        }
        Optional<Set<String>> parameters = known.computeIfAbsent(method, KnownQueryParameters::parametersOf);
        if (parameters.isEmpty()) {
            return true;
        }
        Set<String> given = UriComponentsBuilder.fromUriString("?" + request.getQueryString()).build()
                .getQueryParams().keySet();
        List<FieldProblem> unknown = new ArrayList<>();
        for (String name : given) {
            String decoded = java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8);
            if (!parameters.get().contains(decoded)) {
                unknown.add(new FieldProblem(decoded, parameters.get().isEmpty()
                        ? "is not a parameter of this operation, which takes none"
                        : "is not a parameter of this operation; it takes " + String.join(", ", parameters.get())));
            }
        }
        if (!unknown.isEmpty()) {
            throw new UnknownQueryParameters(unknown);
        }
        return true;
    }

    private static Optional<Set<String>> parametersOf(HandlerMethod method) {
        Set<String> names = new LinkedHashSet<>();
        for (MethodParameter parameter : method.getMethodParameters()) {
            RequestParam annotation = parameter.getParameterAnnotation(RequestParam.class);
            if (annotation == null) {
                continue;
            }
            if (Map.class.isAssignableFrom(parameter.getParameterType())) {
                return Optional.empty();
            }
            String name = !annotation.name().isEmpty() ? annotation.name()
                    : !annotation.value().isEmpty() ? annotation.value() : parameter.getParameterName();
            names.add(name);
        }
        return Optional.of(Collections.unmodifiableSet(names));
    }

    /** The query named parameters the operation does not have. */
    static final class UnknownQueryParameters extends RuntimeException {

        private final List<FieldProblem> parameters;

        UnknownQueryParameters(List<FieldProblem> parameters) {
            super(Problems.describe(parameters));
            this.parameters = List.copyOf(parameters);
        }

        List<FieldProblem> parameters() {
            return parameters;
        }
    }
}
