package io.vfleet.assignment.support;

import javax.sql.DataSource;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * The shared embedded PostgreSQL, counted ({@link CountingDataSource}), and the fake agents (primary over
 * the gRPC ones), for {@link ServiceTest}.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestInfrastructure {

    @Bean
    CountingDataSource countingDataSource() {
        return new CountingDataSource();
    }

    /** The shared database, every statement and commit counted, so that tests can say how many a use case takes. */
    @Bean
    DataSource dataSource(CountingDataSource counting) {
        com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource();
        pool.setJdbcUrl(EmbeddedDatabase.jdbcUrl());
        pool.setUsername("postgres");
        pool.setSchema("assignment");
        pool.setMaximumPoolSize(20);
        return counting.wrap(pool);
    }

    @Bean
    @Primary
    FakeNodeAgents fakeNodeAgents() {
        return new FakeNodeAgents();
    }
}
