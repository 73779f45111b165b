package io.vfleet.security.web;

import io.vfleet.security.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.http.HttpMethod;

/**
 * An application's REST access rules, one table: which paths are open (probes, static pages, the
 * OpenAPI document) and which roles each API operation needs. Anything the table does not name is
 * refused, so an endpoint added without a rule is closed, and the authorization matrix test fails on it.
 */
public final class RestAccess {

    /** {@code method} null matches every method; {@code pattern} is a Spring path pattern. */
    public record Rule(HttpMethod method, String pattern, Set<Role> roles) {
        public Rule {
            roles = Set.copyOf(roles);
        }
    }

    private final List<String> open = new ArrayList<>();
    private final List<Rule> rules = new ArrayList<>();

    /** Paths anyone may read: health probes, static assets, the API's description. */
    public RestAccess open(String... patterns) {
        open.addAll(List.of(patterns));
        return this;
    }

    public RestAccess allow(HttpMethod method, String pattern, Role... roles) {
        rules.add(new Rule(method, pattern, Set.of(roles)));
        return this;
    }

    public List<String> openPatterns() {
        return List.copyOf(open);
    }

    public List<Rule> rules() {
        return List.copyOf(rules);
    }
}
