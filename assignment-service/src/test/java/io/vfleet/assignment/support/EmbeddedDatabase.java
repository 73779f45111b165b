package io.vfleet.assignment.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One real PostgreSQL per test JVM, started on first use and shared by every test context, with the
 * roles a deployment has: {@link #OWNER} owns the schema and runs the migrations, {@link #SERVICE} is
 * the role the service connects with, which may only read and append the audit log. It runs with
 * {@code track_commit_timestamp}, which the audit sequencer orders events by.
 */
public final class EmbeddedDatabase {

    public static final String OWNER = "assignment_owner";
    public static final String SERVICE = "assignment";
    private static final String SUPERUSER = "postgres";

    private static EmbeddedPostgres postgres;

    private EmbeddedDatabase() {}

    private static synchronized EmbeddedPostgres server() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().setServerConfig("track_commit_timestamp", "on").start();
            } catch (IOException failed) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", failed);
            }
            try (Connection connection = postgres.getPostgresDatabase().getConnection();
                 Statement statement = connection.createStatement()) {
                statement.execute("create role " + OWNER + " login");
                statement.execute("create role " + SERVICE + " login");
                statement.execute("grant create on database postgres to " + OWNER);
            } catch (SQLException failed) {
                throw new IllegalStateException("cannot create the test database's roles", failed);
            }
        }
        return postgres;
    }

    /** The superuser: for tests that play an attacker with every right, and for cleaning up between tests. */
    public static DataSource superuser() {
        return server().getPostgresDatabase();
    }

    /** The schema's owner, which runs migrations. */
    public static DataSource owner() {
        return as(OWNER);
    }

    /** The role the service connects with. */
    public static DataSource service() {
        return as(SERVICE);
    }

    public static synchronized String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + server().getPort() + "/postgres";
    }

    /** The URL that connects as the superuser, for tools that take a URL alone. */
    public static String superuserJdbcUrl() {
        return jdbcUrl() + "?user=" + SUPERUSER;
    }

    private static DataSource as(String role) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setUrl(jdbcUrl());
        source.setUser(role);
        return source;
    }
}
