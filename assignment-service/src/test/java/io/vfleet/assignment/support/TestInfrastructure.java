package io.vfleet.assignment.support;

import javax.sql.DataSource;
import org.springframework.boot.flyway.autoconfigure.FlywayDataSource;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * The test JVM's PostgreSQL, the service on its own role and the migrations on the owner's
 * ({@link AssignmentDatabase}), and the fake agents (primary over the gRPC ones), for {@link ServiceTest}.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestInfrastructure {

    @Bean
    @Primary
    DataSource dataSource() {
        com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource();
        pool.setDataSource(AssignmentDatabase.service());
        pool.setSchema("assignment");
        pool.setMaximumPoolSize(20);
        return pool;
    }

    @Bean
    @FlywayDataSource
    DataSource migrations() {
        return AssignmentDatabase.owner();
    }

    @Bean
    @Primary
    FakeNodeAgents fakeNodeAgents() {
        return new FakeNodeAgents();
    }
}
