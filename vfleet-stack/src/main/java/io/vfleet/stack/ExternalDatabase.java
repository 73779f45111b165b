package io.vfleet.stack;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

/** A PostgreSQL server the stack does not run: only handed to the services. */
public record ExternalDatabase(String jdbcUrl, String user, String password) implements Database {

    public ExternalDatabase {
        if (!jdbcUrl.startsWith("jdbc:postgresql://")) {
            throw new StackException("--database-url must be a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database), not " + jdbcUrl);
        }
    }

    /** Fails early, and plainly, when the server does not let the services in. */
    @Override
    public void start() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
            connection.isValid(5);
        } catch (SQLException e) {
            throw new StackException("cannot connect to " + jdbcUrl + " as " + user + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return jdbcUrl + " (external, user " + user + ")";
    }

    @Override
    public void close() {
        // Not ours to stop.
    }

    @Override
    public String toString() {
        return "ExternalDatabase[" + jdbcUrl + ", user " + user + "]";
    }
}
