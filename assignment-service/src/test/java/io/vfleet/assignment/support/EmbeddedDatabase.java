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
}
