package io.vfleet.security.grpc;

import io.vfleet.security.Role;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An application's gRPC access rules, one table by full method name ({@code vfleet.inventory.v1.Inventory/Register}):
 * which roles may call it, which services are open (health, for probes), and which methods their
 * service authorizes itself with a credential of its own (the agent's per-assignment system calls).
 * A method the table does not name is refused, so a method added without a rule is closed.
 */
public final class GrpcAccess {

    /** What the table says of one method. */
    public sealed interface Rule {
        /** Anyone, authenticated or not. */
        record Open() implements Rule {}

        /** A caller of one of these roles, from a bearer token or the peer's certificate. */
        record Roles(Set<Role> roles) implements Rule {
            public Roles {
                roles = Set.copyOf(roles);
            }
        }

        /**
         * The service decides from credentials the table does not know (one it issued itself), or lets
         * callers of {@code roles} through; the interceptor only hands it the certificate's caller, if any.
         */
        record ByService(Set<Role> roles) implements Rule {
            public ByService {
                roles = Set.copyOf(roles);
            }
        }
    }

    private final Set<String> openServices = new HashSet<>();
    private final Map<String, Rule> methods = new HashMap<>();

    public GrpcAccess openService(String serviceName) {
        openServices.add(serviceName);
        return this;
    }

    public GrpcAccess allow(String fullMethodName, Role... roles) {
        methods.put(fullMethodName, new Rule.Roles(Set.of(roles)));
        return this;
    }

    /** The service authorizes the method itself: with its own credential, or for callers of {@code roles}. */
    public GrpcAccess byService(String fullMethodName, Role... roles) {
        methods.put(fullMethodName, new Rule.ByService(Set.of(roles)));
        return this;
    }

    /** The rule for a method; empty when the table names none, which refuses the call. */
    public Optional<Rule> ruleFor(String serviceName, String fullMethodName) {
        if (openServices.contains(serviceName)) {
            return Optional.of(new Rule.Open());
        }
        return Optional.ofNullable(methods.get(fullMethodName));
    }
}
