package io.vfleet.stack;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/**
 * A PostgreSQL server the stack does not run: only checked, then handed to the services. It expects
 * one login role per service ({@link ServiceSchema}), each owning that service's schema, or allowed
 * to create it ({@code CREATE} on the database):
 *
 * <pre>
 * create role vfleet_inventory login password '...';
 * create role vfleet_assignment login password '...';
 * create schema inventory authorization vfleet_inventory;
 * create schema assignment authorization vfleet_assignment;
 * </pre>
 */
public record ExternalDatabase(String jdbcUrl, Map<ServiceSchema, DatabaseRole> roles) implements Database {

    public ExternalDatabase {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new StackException("--database-url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database), not " + jdbcUrl);
        }
        roles = Map.copyOf(roles);
        for (ServiceSchema schema : ServiceSchema.values()) {
            if (!roles.containsKey(schema)) {
                throw new StackException("no database role for the " + schema.schema() + " schema");
            }
        }
    }

    /** Fails early, and plainly, when the server does not let a service in or its schema is not its own. */
    @Override
    public void start() {
        for (ServiceSchema schema : ServiceSchema.values()) {
            DatabaseRole role = roles.get(schema);
            try (Connection connection = DriverManager.getConnection(jdbcUrl, role.user(), role.password())) {
                checkSchema(connection, schema, role);
            } catch (SQLException e) {
                throw new StackException("cannot connect to " + jdbcUrl + " as " + role.user() + ": " + e.getMessage(), e);
            }
        }
    }

    private void checkSchema(Connection connection, ServiceSchema schema, DatabaseRole role) throws SQLException {
        try (PreparedStatement owner = connection.prepareStatement(
                "select pg_get_userbyid(nspowner) from pg_namespace where nspname = ?")) {
            owner.setString(1, schema.schema());
            try (ResultSet found = owner.executeQuery()) {
                if (found.next()) {
                    if (!found.getString(1).equals(role.user())) {
                        throw new StackException("the schema " + schema.schema() + " in " + jdbcUrl + " is owned by "
                                + found.getString(1) + ", but its service connects as " + role.user()
                                + ", which must own it: alter schema " + schema.schema() + " owner to " + role.user());
                    }
                    return;
                }
            }
        }
        try (PreparedStatement create = connection.prepareStatement(
                "select has_database_privilege(current_user, current_database(), 'CREATE')");
             ResultSet allowed = create.executeQuery()) {
            if (!allowed.next() || !allowed.getBoolean(1)) {
                throw new StackException("the schema " + schema.schema() + " does not exist in " + jdbcUrl + " and "
                        + role.user() + " may not create it: create schema " + schema.schema() + " authorization " + role.user());
            }
        }
    }

    @Override
    public DatabaseRole role(ServiceSchema schema) {
        return roles.get(schema);
    }

    @Override
    public String describe() {
        return jdbcUrl + " (external; roles " + roles.get(ServiceSchema.INVENTORY).user() + " and "
                + roles.get(ServiceSchema.ASSIGNMENT).user() + ")";
    }

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "ExternalDatabase[" + jdbcUrl + ", roles " + roles.values() + "]";
    }
}
