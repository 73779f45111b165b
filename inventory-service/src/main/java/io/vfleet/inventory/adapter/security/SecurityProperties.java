package io.vfleet.inventory.adapter.security;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bearer tokens this service accepts ({@code vfleet.security.tokens[n].*}), each with the role it
 * grants: {@code agent} (with the {@code node} it may act for), {@code operator}, {@code auditor} or
 * {@code orchestrator} (with an optional {@code tenant}).
 */
@ConfigurationProperties("vfleet.security")
public record SecurityProperties(List<Token> tokens) {

    public SecurityProperties {
        tokens = tokens == null ? List.of() : List.copyOf(tokens);
    }

    /** @param name how the caller appears in messages and logs; defaults to its role and node */
    public record Token(String token, String role, String node, String tenant, String name) {
    }
}
