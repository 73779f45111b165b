package io.vfleet.assignment.adapter.web;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bearer tokens this service accepts, from {@code vfleet.security.tokens[n].{token,role,tenant}}:
 * role {@code orchestrator} (optionally with a tenant), {@code operator} or {@code auditor}.
 */
@ConfigurationProperties("vfleet.security")
record SecurityProperties(List<Token> tokens) {

    SecurityProperties {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    record Token(String token, String role, String tenant) {}
}
