package io.vfleet.assignment.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.sql.DataSource;

/** One real PostgreSQL per test JVM, started on first use and shared by every test context. */
public final class EmbeddedDatabase {

    private static EmbeddedPostgres postgres;

    private EmbeddedDatabase() {}

    public static synchronized DataSource dataSource() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().start();
            } catch (IOException failed) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", failed);
            }
        }
        return postgres.getPostgresDatabase();
    }

    public static synchronized String jdbcUrl() {
        dataSource();
        return postgres.getJdbcUrl("postgres", "postgres");
    }

    /** A database of its own on the same server, created empty on first use, for tests that run the service whole. */
    public static synchronized String jdbcUrl(String database) {
        DataSource server = dataSource();
        try (java.sql.Connection connection = server.getConnection();
                java.sql.Statement statement = connection.createStatement()) {
            java.sql.ResultSet exists = statement.executeQuery("select 1 from pg_database where datname = '" + database + "'");
            if (!exists.next()) {
                statement.execute("create database " + database);
            }
        } catch (java.sql.SQLException failed) {
            throw new IllegalStateException("cannot create database " + database, failed);
        }
        return postgres.getJdbcUrl("postgres", database);
    }
}
