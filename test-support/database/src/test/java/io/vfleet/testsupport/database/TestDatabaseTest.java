package io.vfleet.testsupport.database;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class TestDatabaseTest {

    @Test
    void everyCallerOfTheJvmGetsTheSameRunningPostgresql() throws SQLException {
        TestDatabase.Connection first = TestDatabase.connection();
        TestDatabase.Connection second = TestDatabase.connection();

        assertThat(second).isSameAs(first);
        try (java.sql.Connection connection = DriverManager.getConnection(first.url(), first.username(), first.password());
             Statement statement = connection.createStatement();
             ResultSet version = statement.executeQuery("show server_version_num")) {
            assertThat(version.next()).isTrue();
            assertThat(version.getInt(1)).as("PostgreSQL 18, as production runs").isGreaterThanOrEqualTo(180000);
        }
    }

    @Test
    void aSchemaOneTestCreatesIsThereForTheNext() throws SQLException {
        TestDatabase.Connection database = TestDatabase.connection();
        try (java.sql.Connection connection = DriverManager.getConnection(database.url(), database.username(), database.password());
             Statement statement = connection.createStatement()) {
            statement.execute("create schema if not exists shared_check");
            statement.execute("create table if not exists shared_check.marker (id int primary key)");
            statement.execute("insert into shared_check.marker values (1) on conflict do nothing");
        }
        try (java.sql.Connection again = DriverManager.getConnection(database.url(), database.username(), database.password());
             Statement statement = again.createStatement();
             ResultSet count = statement.executeQuery("select count(*) from shared_check.marker")) {
            assertThat(count.next()).isTrue();
            assertThat(count.getInt(1)).isEqualTo(1);
        }
    }
}
