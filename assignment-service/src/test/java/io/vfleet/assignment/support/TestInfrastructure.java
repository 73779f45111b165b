package io.vfleet.assignment.support;

import javax.sql.DataSource;
import org.springframework.boot.flyway.autoconfigure.FlywayDataSource;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/**
 * The test JVM's PostgreSQL, the service on its own role and the migrations on the owner's
 * ({@link AssignmentDatabase}), every statement and commit of the service counted
 * ({@link CountingDataSource}), and the fake agents (primary over the gRPC ones), for {@link ServiceTest}.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestInfrastructure {

    @Bean
    CountingDataSource countingDataSource() {
        return new CountingDataSource();
    }

    /** The service's role, every statement and commit counted, so that tests can say how many a use case takes. */
    @Bean
    @Primary
    DataSource dataSource(CountingDataSource counting) {
        com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource();
        pool.setDataSource(AssignmentDatabase.service());
        pool.setSchema("assignment");
        pool.setMaximumPoolSize(20);
        return counting.wrap(pool);
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
