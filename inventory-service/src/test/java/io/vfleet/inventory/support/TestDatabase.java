package io.vfleet.inventory.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * One PostgreSQL server for the whole test JVM, started on first use and stopped when the JVM exits:
 * a Testcontainers PostgreSQL where Docker is available, else an embedded PostgreSQL run from the binaries
 * on the test class path. Every test class shares it, and the one Spring context built on it.
 */
public final class TestDatabase {
    private static final String DATABASE = "postgres";
    private static volatile Connection connection;

    /** Where to connect. */
    public record Connection(String url, String username, String password) {
    }

    private TestDatabase() {
    }

    public static Connection connection() {
        if (connection == null) {
            synchronized (TestDatabase.class) {
                if (connection == null) {
                    connection = start();
                }
            }
        }
        return connection;
    }

    private static Connection start() {
        if (!Boolean.getBoolean("vfleet.test.embeddedDatabase") && DockerClientFactory.instance().isDockerAvailable()) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:18");
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
            return new Connection(container.getJdbcUrl(), container.getUsername(), container.getPassword());
        }
        try {
            // Durability buys tests nothing; the server's files are thrown away with the JVM.
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .setServerConfig("full_page_writes", "off")
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
