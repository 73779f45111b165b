package io.vfleet.testsupport.database;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One PostgreSQL server for the whole test JVM, started on first use and stopped when the JVM exits:
 * a Testcontainers PostgreSQL where Docker is available, else an embedded PostgreSQL run from the
 * binaries on the test class path (real PostgreSQL from Maven Central, no install). Every test class of
 * a module shares it, and so can the one Spring context built on it; each service keeps to its own
 * schema, so tests of different services never see each other's tables.
 *
 * <p>{@code -Dvfleet.test.embeddedDatabase=true} takes the embedded server even where Docker runs.
 * Durability buys tests nothing, so the server runs without fsync; its files go with the JVM. It
 * keeps commit timestamps, as the services' PostgreSQL must.
 */
public final class TestDatabase {
    private static final String DATABASE = "postgres";
    private static volatile Connection connection;

    /** Where to connect: a JDBC URL and the superuser's credentials. */
    public record Connection(String url, String username, String password) {
    }

    private TestDatabase() {
    }

    /** The shared server, started now if this is the first call of the JVM. */
    public static Connection connection() {
        Connection started = connection;
        if (started == null) {
            synchronized (TestDatabase.class) {
                started = connection;
                if (started == null) {
                    started = start();
                    connection = started;
                }
            }
        }
        return started;
    }

    private static Connection start() {
        if (!Boolean.getBoolean("vfleet.test.embeddedDatabase") && DockerClientFactory.instance().isDockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:18")
                    .withCommand("postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                            "-c", "track_commit_timestamp=on");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            return new Connection(container.getJdbcUrl(), container.getUsername(), container.getPassword());
        }
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
                    .setServerConfig("max_connections", "200")
                    // The assignment service's audit sequencer orders events by commit timestamp.
                    .setServerConfig("track_commit_timestamp", "on")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    postgres.close();
                } catch (IOException ignored) {
                    // The JVM is going away; the server's directory is temporary.
                }
            }));
            return new Connection(postgres.getJdbcUrl("postgres", DATABASE), "postgres", "postgres");
        } catch (IOException failed) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL for tests", failed);
        }
    }
}
