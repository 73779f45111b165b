package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.MerkleTree;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The audit log in PostgreSQL: events appended to {@code audit_events} by the transaction of the
 * change they record, linked into {@code audit_log} and {@code audit_tree} after commit by the
 * {@link AuditSequencer}. Reads join the two: what is not linked yet is not in the log.
 */
final class JdbcAuditLog implements AuditLog {

    /** Events a reader waits for at most; a log lagging further says how many it did not wait for. */
    private static final int AWAITED_AT_MOST = 10_000;

    private static final String LOGGED = """
            select l.sequence, e.at, e.principal, e.kind, e.tenant, e.node, e.devices, e.assignment_id, e.detail
            from assignment.audit_log l join assignment.audit_events e on e.id = l.event_id
            """;

    /** Events that committed and are not linked: those of writers from the last link's horizon on, not in the log. */
    private static final String UNLINKED = """
            select e.id from assignment.audit_events e
            where e.writer >= coalesce((select horizon from assignment.audit_log order by sequence desc limit 1), '0'::xid8)
              and not exists (select 1 from assignment.audit_log l where l.event_id = e.id)
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final JdbcClient client;
    private final AuditSequencer sequencer;

    JdbcAuditLog(NamedParameterJdbcTemplate jdbc, AuditSequencer sequencer) {
        this.jdbc = jdbc;
        this.client = JdbcClient.create(jdbc);
        this.sequencer = sequencer;
    }

    /**
     * The insert of one audit event from a statement's {@code audit*} parameters ({@link #withEvent}),
     * if {@code condition} holds: alone, or as a CTE of the statement that stores the change it records.
     */
    static String insertEvent(String condition) {
        return """
                insert into assignment.audit_events (at, principal, kind, tenant, node, devices, assignment_id, detail)
                select :auditAt, :auditPrincipal, :auditKind, :auditTenant, :auditNode, cast(:auditDevices as text[]),
                       :auditAssignment, :auditDetail
                where %s
                """.formatted(condition);
    }

    /**
     * The statement with the event's columns as its {@code audit*} parameters, each with its SQL type, so
     * that a null one keeps the statement prepared as it was.
     */
    static JdbcClient.StatementSpec withEvent(JdbcClient.StatementSpec statement, AuditEvent event) {
        return statement
                .param("auditAt", utc(event.at()))
                .param("auditPrincipal", event.principal())
                .param("auditKind", event.kind().name())
                .param("auditTenant", event.tenant(), Types.VARCHAR)
                .param("auditNode", event.node(), Types.VARCHAR)
                .param("auditDevices", event.devices().toArray(String[]::new))
                .param("auditAssignment", event.assignmentId(), Types.VARCHAR)
                .param("auditDetail", event.detail());
    }

    @Override
    public void append(AuditEvent event) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("an audit event is appended in the transaction of the change it records");
        }
        withEvent(client.sql(insertEvent("true")), event).update();
        sequencer.wakeAfterCommit();
    }

    @Override
    public long awaitLinked(Duration patience) {
        List<Long> awaited = jdbc.queryForList(UNLINKED + " limit " + AWAITED_AT_MOST, Map.of(), Long.class);
        if (awaited.isEmpty()) {
            return 0;
        }
        sequencer.wake();
        long deadline = System.nanoTime() + patience.toNanos();
        long pause = 1;
        while (true) {
            Long linked = jdbc.queryForObject("select count(*) from assignment.audit_log where event_id = any(:ids)",
                    Map.of("ids", awaited.toArray(Long[]::new)), Long.class);
            long unlinked = awaited.size() - linked;
            if (unlinked == 0 || System.nanoTime() >= deadline) {
                return unlinked;
            }
            try {
                Thread.sleep(pause);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return unlinked;
            }
            pause = Math.min(pause * 2, 50);
        }
    }

    @Override
    public Page<AuditEvent> search(Query query, Paging paging) {
        StringBuilder where = new StringBuilder(" where true");
        MapSqlParameterSource parameters = new MapSqlParameterSource();
        if (query.device() != null) {
            where.append(" and cast(:device as text) = any(e.devices)");
            parameters.addValue("device", query.device());
        }
        if (query.tenant() != null) {
            where.append(" and e.tenant = :tenant");
            parameters.addValue("tenant", query.tenant());
        }
        if (query.from() != null) {
            where.append(" and e.at >= :from");
            parameters.addValue("from", utc(query.from()));
        }
        if (query.to() != null) {
            where.append(" and e.at < :to");
            parameters.addValue("to", utc(query.to()));
        }
        Long total = jdbc.queryForObject("select count(*) from assignment.audit_log l join assignment.audit_events e"
                + " on e.id = l.event_id" + where, parameters, Long.class);
        parameters.addValue("limit", paging.size()).addValue("offset", paging.offset());
        List<AuditEvent> items = jdbc.query(LOGGED + where + " order by l.sequence limit :limit offset :offset",
                parameters, (row, number) -> event(row));
        return new Page<>(items, paging.page(), paging.size(), total);
    }

    @Override
    public List<Owner> ownersAt(String device, String node, Instant at) {
        MapSqlParameterSource parameters = new MapSqlParameterSource("device", device).addValue("at", utc(at));
        if (node != null) {
            parameters.addValue("node", node);
        }
        List<AuditEvent> stateChanges = jdbc.query(LOGGED
                + " where e.kind = 'ASSIGNMENT_STATE' and cast(:device as text) = any(e.devices) and e.at <= :at"
                + (node == null ? "" : " and e.node = :node") + " order by l.sequence desc", parameters, (row, number) -> event(row));
        Map<String, AuditEvent> latestPerNode = new LinkedHashMap<>();
        stateChanges.forEach(change -> latestPerNode.putIfAbsent(change.node(), change));
        List<Owner> owners = new ArrayList<>();
        for (AuditEvent latest : latestPerNode.values()) {
            if (stateOf(latest).holdsDevices()) {
                OffsetDateTime since = jdbc.queryForObject("""
                        select min(e.at) from assignment.audit_log l join assignment.audit_events e on e.id = l.event_id
                        where e.assignment_id = :assignment
                        """, Map.of("assignment", latest.assignmentId()), OffsetDateTime.class);
                owners.add(new Owner(latest.node(), device, latest.tenant(), latest.assignmentId(), since.toInstant()));
            }
        }
        return owners;
    }

    @Override
    public long size() {
        return jdbc.queryForObject("select coalesce(max(sequence), 0) from assignment.audit_log", Map.of(), Long.class);
    }

    @Override
    public List<Logged> read(long from, int limit) {
        return jdbc.query("""
                select l.sequence, e.at, e.principal, e.kind, e.tenant, e.node, e.devices, e.assignment_id, e.detail, t.hash
                from assignment.audit_log l join assignment.audit_events e on e.id = l.event_id
                left join assignment.audit_tree t on t.level = 0 and t.index = l.sequence - 1
                where l.sequence >= :from order by l.sequence limit :limit
                """, Map.of("from", from, "limit", limit), (row, number) -> {
                    byte[] leaf = row.getBytes("hash");
                    return new Logged(event(row), leaf == null || leaf.length != Hash.SIZE ? null : Hash.of(leaf));
                });
    }

    @Override
    public MerkleTree.SubtreeHashes tree() {
        return new StoredTree(jdbc);
    }

    static AuditEvent event(ResultSet row) throws SQLException {
        Array devices = row.getArray("devices");
        return new AuditEvent(row.getLong("sequence"), row.getObject("at", OffsetDateTime.class).toInstant(),
                row.getString("principal"),
                AuditEvent.Kind.valueOf(row.getString("kind")), row.getString("tenant"), row.getString("node"),
                List.of((String[]) devices.getArray()), row.getString("assignment_id"), row.getString("detail"));
    }

    static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    /** The state an ASSIGNMENT_STATE event records: the first word of its detail. */
    private static AssignmentState stateOf(AuditEvent event) {
        int end = event.detail().indexOf(':');
        return AssignmentState.valueOf(end < 0 ? event.detail() : event.detail().substring(0, end));
    }

    /** Reads stored subtree hashes, all asked for in one query. */
    record StoredTree(NamedParameterJdbcTemplate jdbc) implements MerkleTree.SubtreeHashes {

        @Override
        public List<Hash> read(List<MerkleTree.Subtree> subtrees) {
            Short[] levels = subtrees.stream().map(subtree -> (short) subtree.level()).toArray(Short[]::new);
            Long[] indexes = subtrees.stream().map(MerkleTree.Subtree::index).toArray(Long[]::new);
            Map<MerkleTree.Subtree, Hash> found = new HashMap<>();
            jdbc.query("""
                    select t.level, t.index, t.hash
                    from unnest(cast(:levels as smallint[]), cast(:indexes as bigint[])) as wanted(level, index)
                    join assignment.audit_tree t on t.level = wanted.level and t.index = wanted.index
                    """, new MapSqlParameterSource("levels", levels).addValue("indexes", indexes), row -> {
                        byte[] hash = row.getBytes("hash");
                        if (hash.length == Hash.SIZE) {
                            found.put(new MerkleTree.Subtree(row.getInt("level"), row.getLong("index")), Hash.of(hash));
                        }
                    });
            List<Hash> hashes = new ArrayList<>();
            for (MerkleTree.Subtree subtree : subtrees) {
                Hash hash = found.get(subtree);
                if (hash == null) {
                    throw new IllegalStateException("the stored audit tree has no hash of " + subtree);
                }
                hashes.add(hash);
            }
            return hashes;
        }
    }
}
