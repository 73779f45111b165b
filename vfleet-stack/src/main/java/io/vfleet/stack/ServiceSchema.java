package io.vfleet.stack;

import java.util.Optional;

/**
 * The schema each service keeps its tables in, the role that owns it and the role the service
 * connects as. A service's roles can use its own schema and nothing of the other's (nor of
 * {@code public}), so that neither service can read or rewrite the other's data. The assignment
 * service connects as a role of its own that owns nothing, which may read and append its audit log
 * but never change it; its owner only runs the migrations.
 */
public enum ServiceSchema {
    INVENTORY("inventory", "vfleet_inventory", Optional.empty()),
    ASSIGNMENT("assignment", "vfleet_assignment", Optional.of("vfleet_assignment_service"));

    private final String schema;
    private final String role;
    private final Optional<String> serviceRole;

    ServiceSchema(String schema, String role, Optional<String> serviceRole) {
        this.schema = schema;
        this.role = role;
        this.serviceRole = serviceRole;
    }

    /** The schema's name, as the service's Flyway and Hibernate settings name it. */
    public String schema() {
        return schema;
    }

    /** The role that owns it and runs its migrations, unless an external database names another. */
    public String defaultRole() {
        return role;
    }

    /**
     * The role the service connects as when it is not the owner, unless an external database names
     * another; empty when the service connects as the owner.
     */
    public Optional<String> defaultServiceRole() {
        return serviceRole;
    }
}
