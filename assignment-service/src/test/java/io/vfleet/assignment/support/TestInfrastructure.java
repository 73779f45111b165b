package io.vfleet.assignment.support;

import io.vfleet.testsupport.database.TestDatabase;
import javax.sql.DataSource;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;

/** The test JVM's PostgreSQL and the fake agents (primary over the gRPC ones), for {@link ServiceTest}. */
@TestConfiguration(proxyBeanMethods = false)
public class TestInfrastructure {

    @Bean
    DataSource dataSource() {
        TestDatabase.Connection database = TestDatabase.connection();
        com.zaxxer.hikari.HikariDataSource pool = new com.zaxxer.hikari.HikariDataSource();
        pool.setJdbcUrl(database.url());
        pool.setUsername(database.username());
        pool.setPassword(database.password());
        pool.setSchema("assignment");
        pool.setMaximumPoolSize(20);
        return pool;
    }

    @Bean
    @Primary
    FakeNodeAgents fakeNodeAgents() {
        return new FakeNodeAgents();
    }
}
