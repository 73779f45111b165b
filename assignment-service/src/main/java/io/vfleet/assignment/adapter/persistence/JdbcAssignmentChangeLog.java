package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.assignment.domain.AssignmentChange;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.time.Instant;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

/**
 * The change log in PostgreSQL ({@code assignment_changes}, see V8__fleet_scale.sql). A change's
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

    /**
     * Each assignment's latest change below the horizon, for those live there: the assignments live now
     * and those changed at or above the horizon (which may have been live below it), each looked up by
     * its own index entries; the change found must itself be of a live state.
     */
    private static final String LIVE = """
            with horizon as (select pg_snapshot_xmin(pg_current_snapshot())::text::bigint as revision)
            select horizon.revision as horizon, latest.assignment
            from horizon
            left join lateral (
                select change.assignment
                from assignments a
                cross join lateral (
                    select state, assignment from assignment_changes
                    where assignment_id = a.id and revision < horizon.revision
                    order by revision desc limit 1
                ) change
                where (a.state not in ('RELEASED', 'FAILED') or a.revision >= horizon.revision)
                  and (cast(:tenant as text) is null or a.tenant = cast(:tenant as text))
                  and change.state not in ('RELEASED', 'FAILED')
            ) latest on true
            """;

    /** At most this many changes are deleted by one statement, so that pruning never holds much for long. */
    private static final int PRUNED_AT_ONCE = 10_000;

    private static final String PRUNE = """
            with pruned as (
                delete from assignment_changes
                where ctid in (
                    select c.ctid from assignment_changes c
                    where c.recorded_at < :before
                      and (c.state in ('RELEASED', 'FAILED')
                           or exists (select 1 from assignment_changes newer
                                      where newer.assignment_id = c.assignment_id and newer.revision > c.revision
                                        and newer.recorded_at < :before))
                    limit :limit)
                returning revision
            ), kept as (
                update assignment_changes_kept set oldest_resumable = greatest(oldest_resumable, (select max(revision) from pruned))
                where exists (select 1 from pruned)
            )
            select count(*) from pruned
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

    @Override
    public Listing live(String tenant) {
        List<Long> horizon = new ArrayList<>();
        List<io.vfleet.assignment.domain.Assignment> assignments = new ArrayList<>();
        jdbc.sql(LIVE).param("tenant", tenant).query((ResultSet row) -> {
            horizon.add(row.getLong("horizon"));
            String assignment = row.getString("assignment");
            if (assignment != null) {
                assignments.add(StoredAssignment.fromJson(json, assignment).toDomain());
            }
        });
        assignments.sort(java.util.Comparator.comparing(io.vfleet.assignment.domain.Assignment::createdAt)
                .thenComparing(io.vfleet.assignment.domain.Assignment::id));
        return new Listing(horizon.getFirst() - 1, assignments);
    }

    @Override
    public long oldestResumable() {
        return jdbc.sql("select oldest_resumable from assignment_changes_kept").query(Long.class).single();
    }

    @Override
    public int prune(Instant recordedBefore) {
        int pruned;
        int total = 0;
        do {
            pruned = jdbc.sql(PRUNE).param("before", recordedBefore.atOffset(java.time.ZoneOffset.UTC))
                    .param("limit", PRUNED_AT_ONCE).query(Integer.class).single();
            total += pruned;
        } while (pruned == PRUNED_AT_ONCE);
        return total;
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
