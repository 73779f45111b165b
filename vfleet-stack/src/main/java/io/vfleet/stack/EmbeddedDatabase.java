package io.vfleet.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A PostgreSQL server run from the binaries that come with the launcher (no install), its data kept
 * in a directory of the stack's state, so that it survives a restart of the server or of the whole
 * stack. The port is fixed at the first start and kept across restarts: the services' JDBC URLs do
 * not change, and their pools reconnect to the same address.
 */
public final class EmbeddedDatabase implements Database {
    static final String DATABASE = "vfleet";
    private static final String SUPERUSER = "postgres";
    private static final String ASSIGNMENT_OWNER = "assignment_owner";
    private static final String ASSIGNMENT_SERVICE = "assignment";

    private final Path dataDirectory;
    private final Path log;
    private int port;
    private EmbeddedPostgres server;

    /** A server to run on {@code port} (0 for any free port), its data in {@code dataDirectory}; not started yet. */
    public EmbeddedDatabase(Path dataDirectory, Path log, int port) {
        this.dataDirectory = dataDirectory;
        this.log = log;
        this.port = port;
    }

    /** Starts the server, creating its data directory and the database on first use; again after {@link #stop()}. */
    @Override
    public synchronized void start() {
        if (server != null) {
            throw new IllegalStateException("PostgreSQL is already running on port " + port);
        }
        try {
            Files.createDirectories(dataDirectory);
            Files.createDirectories(log.getParent());
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    // The stack stops the server itself, after the services that use it.
                    .setRegisterShutdownHook(false)
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setServerConfig("max_connections", "200")
                    // The assignment service's audit log is ordered by commit.
                    .setServerConfig("track_commit_timestamp", "on");
            if (port != 0) {
                builder.setPort(port);
            }
            server = builder.start();
            port = server.getPort();
        } catch (IOException e) {
            throw new StackException("cannot start the embedded PostgreSQL in " + dataDirectory + " (its log: " + log + ")", e);
        }
        createDatabase();
    }

    /** A fast shutdown: open connections are cut, committed data stays. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        try {
            server.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop the embedded PostgreSQL on port " + port, e);
        } finally {
            server = null;
        }
    }

    public void restart() {
        stop();
        start();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    public int port() {
        return port;
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    @Override
    public String user() {
        return SUPERUSER;
    }

    /** Empty: the embedded server trusts local connections. */
    @Override
    public String password() {
        return "";
    }

    @Override
    public String assignmentService() {
        return ASSIGNMENT_SERVICE;
    }

    @Override
    public String assignmentOwner() {
        return ASSIGNMENT_OWNER;
    }

    @Override
    public String describe() {
        return jdbcUrl() + " (embedded PostgreSQL, user " + SUPERUSER + ", data in " + dataDirectory + ")";
    }

    @Override
    public void close() {
        stop();
    }

    private void createDatabase() {
        try (Connection connection = server.getPostgresDatabase().getConnection();
             PreparedStatement exists = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, DATABASE);
            try (ResultSet found = exists.executeQuery()) {
                if (found.next()) {
                    return;
                }
            }
            try (Statement create = connection.createStatement()) {
                create.execute("create database " + DATABASE);
            }
        } catch (SQLException e) {
            throw new StackException("cannot create the database " + DATABASE + " in the embedded PostgreSQL", e);
        }
        createAssignmentRoles();
    }

    /** The assignment service's two roles: one owns its schema and runs migrations, the other only uses it. */
    private void createAssignmentRoles() {
        try (Connection connection = server.getPostgresDatabase().getConnection();
             Statement statement = connection.createStatement()) {
            for (String role : java.util.List.of(ASSIGNMENT_OWNER, ASSIGNMENT_SERVICE)) {
                statement.execute("do $$ begin if not exists (select 1 from pg_roles where rolname = '" + role
                        + "') then create role " + role + " login; end if; end $$");
            }
            statement.execute("grant create on database " + DATABASE + " to " + ASSIGNMENT_OWNER);
        } catch (SQLException e) {
            throw new StackException("cannot create the assignment service's roles in the embedded PostgreSQL", e);
        }
    }
}
