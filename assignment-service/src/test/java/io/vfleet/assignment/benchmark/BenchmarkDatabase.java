package io.vfleet.assignment.benchmark;

import io.vfleet.assignment.support.AssignmentDatabase;
import io.vfleet.assignment.support.ServiceSchema;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The assignment benchmark's own PostgreSQL, and what it tells of a run: its commits, where its
 * statements' time went, and what it did besides (checkpoints, autovacuum). Between runs it empties the
 * service's tables, and in a run's warm-up it analyzes them.
 */
final class BenchmarkDatabase {

    private BenchmarkDatabase() {}

    /**
     * What PostgreSQL did so far besides serving statements: checkpoints done (and the milliseconds they
     * spent writing and syncing), and autovacuum's runs over the tables. A window that had one measures it too.
     */
    record Housekeeping(long checkpoints, double checkpointMillis, long autovacuums, long autoanalyzes) {

        static Housekeeping now(String jdbcUrl) throws SQLException {
            try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement();
                    var result = statement.executeQuery("""
                            select c.num_done, c.write_time + c.sync_time as millis,
                                   (select coalesce(sum(autovacuum_count), 0) from pg_stat_all_tables) as autovacuums,
                                   (select coalesce(sum(autoanalyze_count), 0) from pg_stat_all_tables) as autoanalyzes
                            from pg_stat_checkpointer c
                            """)) {
                result.next();
                return new Housekeeping(result.getLong(1), result.getDouble(2), result.getLong(3), result.getLong(4));
            }
        }

        String since(Housekeeping before) {
            return String.format(Locale.ROOT, "PostgreSQL's housekeeping in the window: %d checkpoint(s), %.0f ms writing and"
                    + " syncing; %d autovacuum(s) and %d autoanalyze(s) of tables", checkpoints - before.checkpoints,
                    checkpointMillis - before.checkpointMillis, autovacuums - before.autovacuums, autoanalyzes - before.autoanalyzes);
        }
    }

    /**
     * An embedded PostgreSQL of the benchmark's own, with PostgreSQL's defaults: a commit is flushed to
     * disk before it is answered, as in production. What a cycle costs against a single-row update is
     * mostly commits, so the tests' shared server, which runs without fsync, would measure something else.
     * It keeps commit timestamps (the audit log's sequencer needs them) and has the deployment's roles:
     * {@link AssignmentDatabase#OWNER} runs the migrations, {@link AssignmentDatabase#SERVICE} serves.
     * Answers the superuser's JDBC URL.
     */
    static String start() throws Exception {
        EmbeddedPostgres postgres = EmbeddedPostgres.builder().setServerConfig("max_connections", "200")
                .setServerConfig("track_commit_timestamp", "on")
                .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .setServerConfig("pg_stat_statements.track_planning", "on").start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                postgres.close();
            } catch (java.io.IOException ignored) {
                // The JVM is going away; the server's directory is temporary.
            }
        }));
        String jdbcUrl = postgres.getJdbcUrl("postgres", "postgres");
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement()) {
            for (String role : List.of(AssignmentDatabase.OWNER, AssignmentDatabase.SERVICE)) {
                statement.execute("create role " + role + " login password '" + AssignmentDatabase.password() + "'");
            }
            statement.execute("grant create on database postgres to " + AssignmentDatabase.OWNER);
            statement.execute("create extension pg_stat_statements");
        }
        return jdbcUrl;
    }

    /** Transactions committed in the database so far, by PostgreSQL's own count. */
    static long commits(String jdbcUrl) throws Exception {
        // Backends report their counts when idle, at most once a second.
        Thread.sleep(2_000);
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
                Statement statement = connection.createStatement();
                var result = statement.executeQuery(
                        "select xact_commit from pg_stat_database where datname = current_database()")) {
            result.next();
            return result.getLong(1);
        }
    }

    /**
     * Brings the planner's statistics up to the tables as they are now, as autovacuum does in a service
     * that has run for a while. Every run starts from emptied tables that grow by thousands of rows a
     * second; autovacuum looks only once a minute, so without this the planner would keep planning for
     * the empty tables all run long (whole-table scans of the audit log that grow with the run).
     */
    static void analyze(String jdbcUrl) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement()) {
            statement.execute("analyze");
        }
    }

    static void resetStatements(String jdbcUrl) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement()) {
            statement.execute("select pg_stat_statements_reset()");
        }
    }

    /**
     * Where PostgreSQL's time went in the measured window, by pg_stat_statements: the statements that
     * took the most of it, with their calls and milliseconds per cycle.
     */
    static List<String> statements(String jdbcUrl, long cycles) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement();
                var result = statement.executeQuery("""
                        select calls, plans, total_exec_time + total_plan_time as total_exec_time,
                               sum(total_exec_time) over () as all_time, sum(total_plan_time) over () as all_plan_time,
                               regexp_replace(query, '\\s+', ' ', 'g') as query
                        from pg_stat_statements where calls > 0 order by total_exec_time desc limit 12
                        """)) {
            boolean first = true;
            while (result.next()) {
                if (first) {
                    lines.add(String.format(Locale.ROOT, "PostgreSQL, all statements: executing %.3f ms, planning %.3f ms"
                            + " per cycle; the costliest, planning and executing:",
                            result.getDouble("all_time") / Math.max(1, cycles), result.getDouble("all_plan_time") / Math.max(1, cycles)));
                    first = false;
                }
                String query = result.getString("query");
                lines.add(String.format(Locale.ROOT, "  %6.3f ms, %5.2f calls per cycle, %4.2f plans per call: %s",
                        result.getDouble("total_exec_time") / Math.max(1, cycles), result.getLong("calls") / (double) Math.max(1, cycles),
                        result.getLong("plans") / (double) result.getLong("calls"),
                        query.length() > 110 ? query.substring(0, 110) + "..." : query));
            }
        }
        return lines;
    }

    /** Empties what a run leaves in the service's schema, so that every run starts from the same database. */
    static void clear(String jdbcUrl) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement statement = connection.createStatement()) {
            var exists = statement.executeQuery("select count(*) from information_schema.tables where table_schema = 'assignment'"
                    + " and table_name = 'assignment_changes'");
            exists.next();
            if (exists.getInt(1) == 0) {
                return;
            }
        }
        PGSimpleDataSource superuser = new PGSimpleDataSource();
        superuser.setUrl(jdbcUrl);
        ServiceSchema.empty(superuser);
    }
}
