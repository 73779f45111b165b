package io.vfleet.stack;

/**
 * The schema each service keeps its tables in, and the role that owns it: a service's role can use
 * its own schema and nothing of the other's (nor of {@code public}), so that neither service can
 * read or rewrite the other's data.
 */
public enum ServiceSchema {
    INVENTORY("inventory", "vfleet_inventory"),
    ASSIGNMENT("assignment", "vfleet_assignment");

    private final String schema;
    private final String role;

    ServiceSchema(String schema, String role) {
        this.schema = schema;
        this.role = role;
    }

    /** The schema's name, as the service's Flyway and Hibernate settings name it. */
    public String schema() {
        return schema;
    }

    /** The role that owns it, unless an external database names another. */
    public String defaultRole() {
        return role;
    }
}
