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
 * to create it ({@code CREATE} on the database), and the login role the assignment service connects
 * as, which owns nothing (its migrations grant it what it needs); the server keeps commit timestamps:
 *
 * <pre>
 * create role vfleet_inventory login password '...';
 * create role vfleet_assignment login password '...';
 * create role vfleet_assignment_service login password '...';
 * create schema inventory authorization vfleet_inventory;
 * create schema assignment authorization vfleet_assignment;
 * alter system set track_commit_timestamp = on;  -- then restart the server
 * </pre>
 *
 * @param roles        the owner of each service's schema
 * @param serviceRoles the role each service connects as where that is not its owner
 */
public record ExternalDatabase(String jdbcUrl, Map<ServiceSchema, DatabaseRole> roles,
        Map<ServiceSchema, DatabaseRole> serviceRoles) implements Database {

    public ExternalDatabase {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new StackException("--database-url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database), not " + jdbcUrl);
        }
        roles = Map.copyOf(roles);
        serviceRoles = Map.copyOf(serviceRoles);
        for (ServiceSchema schema : ServiceSchema.values()) {
            if (!roles.containsKey(schema)) {
                throw new StackException("no database role for the " + schema.schema() + " schema");
            }
            if (schema.defaultServiceRole().isPresent() != serviceRoles.containsKey(schema)) {
                throw new StackException(serviceRoles.containsKey(schema)
                        ? "the " + schema.schema() + " service connects as the owner of its schema, not as another role"
                        : "no database role for the " + schema.schema() + " service to connect as");
            }
            if (serviceRoles.containsKey(schema) && serviceRoles.get(schema).user().equals(roles.get(schema).user())) {
                throw new StackException("the " + schema.schema() + " service must not connect as " + roles.get(schema).user()
                        + ", the owner of its schema: it connects as a role that owns nothing");
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
        for (DatabaseRole role : serviceRoles.values()) {
            try (Connection connection = DriverManager.getConnection(jdbcUrl, role.user(), role.password())) {
                checkCommitTimestamps(connection);
            } catch (SQLException e) {
                throw new StackException("cannot connect to " + jdbcUrl + " as " + role.user() + ": " + e.getMessage(), e);
            }
        }
    }

    private void checkCommitTimestamps(Connection connection) throws SQLException {
        try (PreparedStatement setting = connection.prepareStatement("show track_commit_timestamp");
             ResultSet value = setting.executeQuery()) {
            if (!value.next() || !value.getString(1).equals("on")) {
                throw new StackException(jdbcUrl + " does not keep commit timestamps, which the assignment service's audit"
                        + " log is ordered by: alter system set track_commit_timestamp = on, then restart the server");
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
    public DatabaseRole serviceRole(ServiceSchema schema) {
        return serviceRoles.getOrDefault(schema, roles.get(schema));
    }

    @Override
    public String describe() {
        return jdbcUrl + " (external; roles " + roles.get(ServiceSchema.INVENTORY).user() + ", "
                + roles.get(ServiceSchema.ASSIGNMENT).user() + " and " + serviceRole(ServiceSchema.ASSIGNMENT).user() + ")";
    }

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "ExternalDatabase[" + jdbcUrl + ", roles " + roles.values() + ", service roles " + serviceRoles.values() + "]";
    }
}
