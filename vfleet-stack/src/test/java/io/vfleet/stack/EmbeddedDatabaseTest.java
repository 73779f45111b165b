package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedDatabaseTest {

    @TempDir
    Path directory;

    private static Connection connect(Database database) throws SQLException {
        return DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
    }

    @Test
    void committedDataSurvivesARestartOnTheSamePortAndUrl() throws Exception {
        EmbeddedDatabase database = new EmbeddedDatabase(directory.resolve("data"), directory.resolve("postgres.log"), 0);
        database.start();
        try {
            String url = database.jdbcUrl();
            try (Connection connection = connect(database); Statement statement = connection.createStatement()) {
                statement.execute("create table kept (value text)");
                statement.execute("insert into kept values ('before the restart')");
            }

            database.restart();

            assertThat(database.jdbcUrl()).isEqualTo(url).endsWith("/vfleet");
            try (Connection connection = connect(database); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("select value from kept")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("before the restart");
            }
        } finally {
            database.close();
        }
    }

    @Test
    void theAssignmentServiceHasARoleForItsMigrationsAndAnotherToConnectAsAndCommitsAreTimestamped() throws Exception {
        EmbeddedDatabase database = new EmbeddedDatabase(directory.resolve("data"), directory.resolve("postgres.log"), 0);
        database.start();
        try {
            // Twice: a restart finds the roles there already.
            database.restart();
            try (Connection connection = connect(database); Statement statement = connection.createStatement();
                 ResultSet setting = statement.executeQuery("show track_commit_timestamp")) {
                setting.next();
                assertThat(setting.getString(1)).isEqualTo("on");
            }
            assertThat(database.assignmentOwner()).isNotEqualTo(database.assignmentService());
            for (String role : List.of(database.assignmentOwner(), database.assignmentService())) {
                DriverManager.getConnection(database.jdbcUrl(), role, "").close();
            }
        } finally {
            database.close();
        }
    }

    @Test
    void aStoppedServerRefusesConnections() {
        EmbeddedDatabase database = new EmbeddedDatabase(directory.resolve("data"), directory.resolve("postgres.log"), 0);
        database.start();
        database.stop();

        assertThat(database.isRunning()).isFalse();
        assertThatThrownBy(() -> connect(database).close()).isInstanceOf(SQLException.class);
    }

    @Test
    void anExternalDatabaseThatDoesNotAnswerFailsTheStartNamingItsUrl() {
        ExternalDatabase external = new ExternalDatabase("jdbc:postgresql://127.0.0.1:1/vfleet", "vfleet", "");

        assertThatThrownBy(external::start).isInstanceOf(StackException.class)
                .hasMessageContaining("cannot connect to jdbc:postgresql://127.0.0.1:1/vfleet as vfleet");
    }

    @Test
    void anExternalDatabaseMustBeGivenAsAPostgresqlJdbcUrl() {
        assertThatThrownBy(() -> new ExternalDatabase("postgres://localhost/vfleet", "vfleet", ""))
                .isInstanceOf(StackException.class).hasMessageContaining("jdbc:postgresql://");
    }
}
