package io.vfleet.assignment.adapter.security;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bearer tokens this service accepts, from {@code vfleet.security.tokens[n].{token,role,tenant,subject}}:
 * role {@code orchestrator} (optionally with a tenant), {@code operator} or {@code auditor}; the
 * subject names who holds the token in the audit log ({@code tokens[n]} when not given).
 */
@ConfigurationProperties("vfleet.security")
public record SecurityProperties(List<Token> tokens) {

    public SecurityProperties {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    public record Token(String token, String role, String tenant, String subject) {}
}
