package io.vfleet.assignment.support;

import io.vfleet.testsupport.database.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The test JVM's PostgreSQL ({@link TestDatabase}) with the roles a deployment of this service has:
 * {@link #OWNER} owns the schema and runs the migrations, {@link #SERVICE} is the role the service
 * connects with, which may only read and append the audit log.
 */
public final class AssignmentDatabase {

    public static final String OWNER = "assignment_owner";
    public static final String SERVICE = "assignment";
    /** Stands for the server's superuser, whatever its name there. */
    public static final String SUPERUSER = "superuser";
    private static final String PASSWORD = "assignment-test";

    private static boolean prepared;

    private AssignmentDatabase() {}

    private static synchronized TestDatabase.Connection server() {
        TestDatabase.Connection server = TestDatabase.connection();
        if (!prepared) {
            try (Connection connection = superuser().getConnection(); Statement statement = connection.createStatement()) {
                for (String role : new String[] {OWNER, SERVICE}) {
                    statement.execute("do $$ begin if not exists (select 1 from pg_roles where rolname = '" + role
                            + "') then create role " + role + " login; end if; end $$");
                    statement.execute("alter role " + role + " password '" + PASSWORD + "'");
                }
                statement.execute("do $$ begin execute format('grant create on database %I to " + OWNER
                        + "', current_database()); end $$");
            } catch (SQLException failed) {
                throw new IllegalStateException("cannot create the assignment service's test roles", failed);
            }
            prepared = true;
        }
        return server;
    }

    /** The server's URL, without a user. */
    public static String jdbcUrl() {
        String url = TestDatabase.connection().url();
        return url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
    }

    /** The superuser: for tests that play an attacker with every right, and for cleaning up between tests. */
    public static DataSource superuser() {
        TestDatabase.Connection server = TestDatabase.connection();
        return as(server.username(), server.password());
    }

    /** The schema's owner, which runs migrations. */
    public static DataSource owner() {
        server();
        return as(OWNER, PASSWORD);
    }

    /** The role the service connects with. */
    public static DataSource service() {
        server();
        return as(SERVICE, PASSWORD);
    }

    /** The password of both roles. */
    public static String password() {
        return PASSWORD;
    }

    /**
     * A database of its own on the same server, owned by {@link #OWNER}, and a role's connections to
     * it ({@link #SUPERUSER} for the server's superuser): for tests whose advisory locks must not meet
     * those of the service contexts of other tests.
     */
    public static DataSource separate(String database, String role) {
        server();
        if (new org.springframework.jdbc.core.JdbcTemplate(superuser()).queryForList(
                "select 1 from pg_database where datname = ?", Integer.class, database).isEmpty()) {
            new org.springframework.jdbc.core.JdbcTemplate(superuser()).execute("create database " + database + " owner " + OWNER);
        }
        TestDatabase.Connection server = TestDatabase.connection();
        boolean superuser = role.equals(SUPERUSER);
        PGSimpleDataSource source = as(superuser ? server.username() : role, superuser ? server.password() : PASSWORD);
        source.setDatabaseName(database);
        return source;
    }

    private static PGSimpleDataSource as(String role, String password) {
        PGSimpleDataSource source = new PGSimpleDataSource();
        source.setUrl(jdbcUrl());
        source.setUser(role);
        source.setPassword(password);
        return source;
    }
}
