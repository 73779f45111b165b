package io.vfleet.assignment.adapter.security;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bearer tokens this service accepts, from {@code vfleet.security.tokens[n].{token,role,tenant,name}}:
 * role {@code orchestrator} (optionally with a tenant), {@code operator} or {@code auditor}; {@code name}
 * is the principal the token authenticates (its Idempotency-Keys are its own), by default the role and
 * the start of the token's SHA-256 digest.
 */
@ConfigurationProperties("vfleet.security")
public record SecurityProperties(List<Token> tokens) {

    public SecurityProperties {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    public record Token(String token, String role, String tenant, String name) {}
}
