package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.assignment.domain.AssignmentChange;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/**
 * The change log in PostgreSQL ({@code assignment_changes}, see V3__fleet_scale.sql). A change's
 * revision is its transaction's id; the horizon is {@code pg_snapshot_xmin} of the reading statement's
 * snapshot, the oldest transaction still running: every transaction below it has ended, so the changes
 * below it are all there is below it, and whatever is still to come lies above.
 */
@Repository
class JdbcAssignmentChangeLog implements AssignmentChangeLog {

    private static final String AFTER = """
            with horizon as (select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as revision)
            select horizon.revision as horizon, change.revision, change.assignment, change.scrub_pending, change.scrubbed
            from horizon
            left join lateral (
                select revision, assignment, scrub_pending, scrubbed from assignment_changes
                where revision > :after and revision < horizon.revision
                order by revision, assignment_id
                limit :limit
            ) change on true
            """;

    private final JdbcClient jdbc;
    private final JsonMapper json = JsonMapper.builder().build();

    JdbcAssignmentChangeLog(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    private record Row(long horizon, AssignmentChange change) {}

    @Override
    public Batch after(long after, int limit) {
        List<Row> rows = jdbc.sql(AFTER).param("after", after).param("limit", limit).query(this::row).list();
        long horizon = rows.getFirst().horizon();
        List<AssignmentChange> changes = new ArrayList<>();
        rows.stream().map(Row::change).filter(java.util.Objects::nonNull).forEach(changes::add);
        if (changes.size() == limit && changes.getFirst().revision() != changes.getLast().revision()) {
            // Cut off at a whole revision: the last one may go on past the limit.
            long last = changes.getLast().revision();
            changes.removeIf(change -> change.revision() == last);
            return new Batch(changes, changes.getLast().revision());
        }
        long position = changes.size() == limit ? changes.getLast().revision() : Math.max(after, horizon - 1);
        return new Batch(changes, position);
    }

    @Override
    public long position() {
        return jdbc.sql("select pg_snapshot_xmin(pg_current_snapshot())::text::bigint - 1").query(Long.class).single();
    }

    private Row row(ResultSet row, int number) throws SQLException {
        long horizon = row.getLong("horizon");
        String assignment = row.getString("assignment");
        if (assignment == null) {
            return new Row(horizon, null);
        }
        return new Row(horizon, new AssignmentChange(row.getLong("revision"),
                StoredAssignment.fromJson(json, assignment).toDomain(),
                Set.of((String[]) row.getArray("scrub_pending").getArray()),
                Set.of((String[]) row.getArray("scrubbed").getArray())));
    }
}
