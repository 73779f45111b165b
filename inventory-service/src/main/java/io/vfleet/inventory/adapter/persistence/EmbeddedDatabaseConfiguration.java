package io.vfleet.inventory.adapter.persistence;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Runs the inventory on a PostgreSQL server of its own, started from the binaries on the class path, so
 * that the service runs on one machine with nothing installed ({@code vfleet.inventory.embedded-database.enabled=true}).
 * Its files live in {@code data-directory} and survive restarts. Off by default: a deployment points
 * {@code spring.datasource.*} at its PostgreSQL server instead.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "vfleet.inventory.embedded-database.enabled", havingValue = "true")
class EmbeddedDatabaseConfiguration {

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(@Value("${vfleet.inventory.embedded-database.data-directory:data/inventory-db}") Path directory,
                                      @Value("${vfleet.inventory.embedded-database.port:0}") int port) throws IOException {
        Files.createDirectories(directory);
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder().setDataDirectory(directory).setCleanDataDirectory(false);
        if (port > 0) {
            builder.setPort(port);
        }
        return builder.start();
    }

    @Bean
    DataSource dataSource(EmbeddedPostgres embeddedPostgres) {
        return embeddedPostgres.getPostgresDatabase();
    }
}
