package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** One server for the tests that only read or write their own tables; the others make their own. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedDatabaseTest {
    private static final Duration STARTUP = Duration.ofMinutes(1);

    @TempDir
    Path directory;

    private EmbeddedDatabase shared;

    @BeforeAll
    void startShared(@TempDir Path sharedDirectory) {
        shared = new EmbeddedDatabase(sharedDirectory.resolve("postgres"), sharedDirectory.resolve("postgres.log"), 0, STARTUP);
        shared.start();
    }

    @AfterAll
    void stopShared() {
        shared.close();
    }

    private static Connection connect(Database database, ServiceSchema schema) throws SQLException {
        DatabaseRole role = database.role(schema);
        return DriverManager.getConnection(database.jdbcUrl(), role.user(), role.password());
    }

    private static Connection connect(Database database, String user, String password) throws SQLException {
        return DriverManager.getConnection(database.jdbcUrl(), user, password);
    }

    @Test
    void committedDataSurvivesARestartOnTheSamePortAndUrlAndAStoppedServerRefusesConnections() throws Exception {
        EmbeddedDatabase database = new EmbeddedDatabase(directory.resolve("postgres"), directory.resolve("postgres.log"), 0, STARTUP);
        database.start();
        try {
            String url = database.jdbcUrl();
            try (Connection connection = connect(database, ServiceSchema.ASSIGNMENT); Statement statement = connection.createStatement()) {
                statement.execute("create table assignment.kept (value text)");
                statement.execute("insert into assignment.kept values ('before the restart')");
            }

            database.restart();

            assertThat(database.jdbcUrl()).isEqualTo(url).endsWith("/vfleet");
            try (Connection connection = connect(database, ServiceSchema.ASSIGNMENT); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("select value from assignment.kept")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("before the restart");
            }
        } finally {
            database.close();
        }
        assertThat(database.isRunning()).isFalse();
        assertThatThrownBy(() -> connect(database, ServiceSchema.ASSIGNMENT).close()).isInstanceOf(SQLException.class);
    }

    @Test
    void nobodyGetsInWithoutAPasswordAndTheSuperusersIsKeptForItsOwnerOnly() throws Exception {
        DatabaseRole superuser = shared.superuser();

        assertThat(Files.getPosixFilePermissions(shared.passwordFile()))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(superuser.password()).hasSizeGreaterThanOrEqualTo(32);
        assertThatThrownBy(() -> connect(shared, "postgres", "").close()).isInstanceOf(SQLException.class)
                .hasMessageContaining("password");
        assertThatThrownBy(() -> connect(shared, "postgres", "postgres").close()).isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
        assertThatThrownBy(() -> connect(shared, shared.role(ServiceSchema.INVENTORY).user(), "").close())
                .isInstanceOf(SQLException.class);
        try (Connection connection = connect(shared, superuser.user(), superuser.password())) {
            assertThat(connection.isValid(5)).isTrue();
        }
        assertThat(shared.describe()).doesNotContain(superuser.password())
                .doesNotContain(shared.role(ServiceSchema.INVENTORY).password());
    }

    @Test
    void eachServiceRoleOwnsItsSchemaAndReachesNothingElse() throws Exception {
        try (Connection assignment = connect(shared, ServiceSchema.ASSIGNMENT); Statement statement = assignment.createStatement()) {
            statement.execute("create table assignment.audit_probe (value text)");
            statement.execute("insert into assignment.audit_probe values ('the assignment service''s')");
        }
        try (Connection inventory = connect(shared, ServiceSchema.INVENTORY); Statement statement = inventory.createStatement()) {
            statement.execute("create table inventory.nodes_probe (value text)");

            assertThatThrownBy(() -> statement.execute("select * from assignment.audit_probe"))
                    .hasMessageContaining("permission denied for schema assignment");
            assertThatThrownBy(() -> statement.execute("create table assignment.planted (value text)"))
                    .hasMessageContaining("permission denied for schema assignment");
            assertThatThrownBy(() -> statement.execute("create table public.planted (value text)"))
                    .hasMessageContaining("permission denied for schema public");
            assertThatThrownBy(() -> statement.execute("create schema planted"))
                    .hasMessageContaining("permission denied for database vfleet");
        }
    }

    @Test
    void theAssignmentServiceConnectsAsARoleOfItsOwnThatOwnsNothingAndCommitsAreTimestamped() throws Exception {
        DatabaseRole owner = shared.role(ServiceSchema.ASSIGNMENT);
        DatabaseRole service = shared.serviceRole(ServiceSchema.ASSIGNMENT);
        assertThat(service.user()).isEqualTo("vfleet_assignment_service").isNotEqualTo(owner.user());
        assertThat(service.password()).isNotEqualTo(owner.password());
        assertThat(shared.serviceRole(ServiceSchema.INVENTORY)).isEqualTo(shared.role(ServiceSchema.INVENTORY));
        try (Connection connection = connect(shared, owner.user(), owner.password()); Statement statement = connection.createStatement()) {
            statement.execute("create table assignment.granted_probe (value text)");
            statement.execute("grant usage on schema assignment to " + service.user());
            statement.execute("grant select, insert on assignment.granted_probe to " + service.user());
        }
        try (Connection connection = connect(shared, service.user(), service.password()); Statement statement = connection.createStatement()) {
            statement.execute("insert into assignment.granted_probe values ('appended')");
            try (ResultSet setting = statement.executeQuery("show track_commit_timestamp")) {
                setting.next();
                assertThat(setting.getString(1)).isEqualTo("on");
            }
            // What the owner granted, and nothing more: no table of its own, no change to another's.
            assertThatThrownBy(() -> statement.execute("create table assignment.planted (value text)"))
                    .hasMessageContaining("permission denied for schema assignment");
            assertThatThrownBy(() -> statement.execute("delete from assignment.granted_probe"))
                    .hasMessageContaining("permission denied for table granted_probe");
            assertThatThrownBy(() -> statement.execute("select * from inventory.any_table"))
                    .hasMessageContaining("permission denied for schema inventory");
        }
        assertThat(shared.describe()).contains(service.user()).doesNotContain(service.password());
    }

    @Test
    void aDataDirectoryStartedAgainKeepsTheSuperusersPasswordGivesTheRolesNewOnesAndIsRefusedOnceThatPasswordIsLost()
            throws Exception {
        EmbeddedDatabase first = new EmbeddedDatabase(directory.resolve("postgres"), directory.resolve("postgres.log"), 0, STARTUP);
        first.start();
        first.close();
        EmbeddedDatabase second = new EmbeddedDatabase(directory.resolve("postgres"), directory.resolve("postgres.log"), 0, STARTUP);
        second.start();
        try {
            assertThat(second.superuser()).isEqualTo(first.superuser());
            assertThat(second.role(ServiceSchema.INVENTORY).password()).isNotEqualTo(first.role(ServiceSchema.INVENTORY).password());
            assertThatThrownBy(() -> connect(second, ServiceSchema.INVENTORY.defaultRole(), first.role(ServiceSchema.INVENTORY).password()).close())
                    .isInstanceOf(SQLException.class);
            try (Connection connection = connect(second, ServiceSchema.INVENTORY)) {
                assertThat(connection.isValid(5)).isTrue();
            }
        } finally {
            second.close();
        }

        Files.delete(second.passwordFile());

        assertThatThrownBy(second::start).isInstanceOf(StackException.class)
                .hasMessageContaining("without a superuser password")
                .hasMessageContaining("remove " + second.dataDirectory());
    }

    @Test
    void anExternalDatabaseIsTakenWithTheRolesThatOwnTheirSchemas() {
        ExternalDatabase external = new ExternalDatabase(shared.jdbcUrl(), Map.of(
                ServiceSchema.INVENTORY, shared.role(ServiceSchema.INVENTORY),
                ServiceSchema.ASSIGNMENT, shared.role(ServiceSchema.ASSIGNMENT)),
                Map.of(ServiceSchema.ASSIGNMENT, shared.serviceRole(ServiceSchema.ASSIGNMENT)));

        external.start();
        assertThat(external.describe()).contains("vfleet_inventory", "vfleet_assignment", "vfleet_assignment_service")
                .doesNotContain(shared.role(ServiceSchema.INVENTORY).password());
        assertThat(external.serviceRole(ServiceSchema.ASSIGNMENT)).isEqualTo(shared.serviceRole(ServiceSchema.ASSIGNMENT));
        assertThat(external.serviceRole(ServiceSchema.INVENTORY)).isEqualTo(shared.role(ServiceSchema.INVENTORY));
    }

    @Test
    void anExternalDatabaseWhoseSchemaIsAnotherRolesIsRefusedSayingWhichOwnerItNeeds() {
        ExternalDatabase swapped = new ExternalDatabase(shared.jdbcUrl(), Map.of(
                ServiceSchema.INVENTORY, shared.role(ServiceSchema.ASSIGNMENT),
                ServiceSchema.ASSIGNMENT, shared.role(ServiceSchema.INVENTORY)),
                Map.of(ServiceSchema.ASSIGNMENT, shared.serviceRole(ServiceSchema.ASSIGNMENT)));

        assertThatThrownBy(swapped::start).isInstanceOf(StackException.class)
                .hasMessageContaining("the schema inventory in " + shared.jdbcUrl() + " is owned by vfleet_inventory")
                .hasMessageContaining("alter schema inventory owner to vfleet_assignment");
    }

    @Test
    void anExternalDatabaseThatDoesNotAnswerFailsTheStartNamingItsUrl() {
        ExternalDatabase external = new ExternalDatabase("jdbc:postgresql://127.0.0.1:1/vfleet", Map.of(
                ServiceSchema.INVENTORY, new DatabaseRole("vfleet_inventory", "x"),
                ServiceSchema.ASSIGNMENT, new DatabaseRole("vfleet_assignment", "y")),
                Map.of(ServiceSchema.ASSIGNMENT, new DatabaseRole("vfleet_assignment_service", "z")));

        assertThatThrownBy(external::start).isInstanceOf(StackException.class)
                .hasMessageContaining("cannot connect to jdbc:postgresql://127.0.0.1:1/vfleet as vfleet_inventory");
    }

    @Test
    void anExternalDatabaseMustBeGivenAsAPostgresqlJdbcUrlWithARolePerSchema() {
        assertThatThrownBy(() -> new ExternalDatabase("postgres://localhost/vfleet", Map.of(), Map.of()))
                .isInstanceOf(StackException.class).hasMessageContaining("jdbc:postgresql://");
        assertThatThrownBy(() -> new ExternalDatabase("jdbc:postgresql://localhost/vfleet",
                Map.of(ServiceSchema.INVENTORY, new DatabaseRole("vfleet_inventory", "x")), Map.of()))
                .isInstanceOf(StackException.class).hasMessageContaining("no database role for the assignment schema");
        Map<ServiceSchema, DatabaseRole> owners = Map.of(ServiceSchema.INVENTORY, new DatabaseRole("vfleet_inventory", "x"),
                ServiceSchema.ASSIGNMENT, new DatabaseRole("vfleet_assignment", "y"));
        assertThatThrownBy(() -> new ExternalDatabase("jdbc:postgresql://localhost/vfleet", owners, Map.of()))
                .isInstanceOf(StackException.class)
                .hasMessageContaining("no database role for the assignment service to connect as");
        assertThatThrownBy(() -> new ExternalDatabase("jdbc:postgresql://localhost/vfleet", owners,
                Map.of(ServiceSchema.ASSIGNMENT, new DatabaseRole("vfleet_assignment", "y"))))
                .isInstanceOf(StackException.class)
                .hasMessageContaining("must not connect as vfleet_assignment, the owner of its schema");
    }
}
