package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.FleetView;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.DevicesTaken;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentChange;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.Quotas;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TenantUsage;
import io.vfleet.assignment.domain.TopologyDevice;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * Assignments and holds in PostgreSQL, in as few statements as each step allows: a reservation is two
 * (the assignment with its holds; then the quota, the scrub check, the change log entry and the audit
 * event), a change of state one, with its change log entry and its audit event. The sequencer that links
 * audit events is woken when the transaction commits.
 *
 * <p>A hold is inserted with {@code ON CONFLICT DO NOTHING} against the partial unique index
 * {@code assignment_devices_held_once}: a reservation that finds a device held (or waits for a
 * concurrent holder to commit and then finds it) inserts nothing for it, and the whole reservation is
 * refused. So the database, not a Java lock, decides every race. Holds go in in BDF order, whatever
 * the request's order, so that two reservations of overlapping devices never wait for each other in a
 * circle. The scrub check runs after the holds
 * are taken, in a statement of its own, so that it sees a release that committed while the insert
 * waited for it.
 *
 * <p>Once a transaction that logged a change commits, the change goes to this replica's
 * {@link FleetView} at once; the other replicas read it from the log. A transaction that changes one
 * assignment twice logs it once, as it stands at the commit: nobody outside saw the state in between.
 *
 * <p>A value that may be null is bound with its SQL type, so that null or not, a statement's parameters
 * keep their types: the driver then keeps the statement prepared on the server, planned once, instead
 * of preparing it again whenever a parameter's type changes (and asking the server for the types of
 * null ones).
 *
 * <p>Every state stored and every fence is stamped with this run's {@link Incarnation}, so that
 * reconciliation can tell a step whose run died (taken over at once) from one a live run is still
 * driving (left to settle).
 */
@Repository
class JdbcAssignments implements Assignments {

    private static final String RESERVE = """
            with assignment as (
                insert into assignments (id, tenant, node, state, with_kvm, hwpt_ids, failure_reason, created_at, updated_at,
                                         revision, driver)
                values (:id, :tenant, :node, :state, :withKvm, '', :failureReason, :now, :now,
                        pg_current_xact_id()::text::bigint, :driver)
            )
            insert into assignment_devices
                (assignment_id, tenant, node, bdf, role, held, position, vfio_name, iommu_group, reset_set, kind)
            select :id, :tenant, :node, device.bdf, 'OWNER', true, device.position - 1, device.vfio_name,
                   device.iommu_group, device.reset_set, device.kind
            from unnest(cast(:bdfs as text[]), cast(:vfioNames as text[]), cast(:groups as integer[]),
                        cast(:resetSets as text[]), cast(:kinds as text[]))
                 with ordinality as device(bdf, vfio_name, iommu_group, reset_set, kind, position)
            order by device.bdf
            on conflict (node, bdf) where held do nothing
            returning bdf
            """;

    /**
     * After the holds: the quota (the tenant's row, locked from here to the commit), the scrub check, the
     * log and the audit event.
     */
    private static final String COUNT_AND_LOG = """
            with usage as (
                insert into tenant_usage (tenant, devices) values (:tenant, :count)
                on conflict (tenant) do update set devices = tenant_usage.devices + excluded.devices
                returning devices
            ), logged as (
                insert into assignment_changes (assignment_id, tenant, node, state, assignment)
                values (:id, :tenant, :node, :state, :assignment)
                returning revision
            ), audited as (
            """ + JdbcAuditLog.insertEvent("exists (select 1 from logged)") + """
            )
            select (select devices from usage) as devices,
                   (select revision from logged) as revision,
                   array(select bdf from scrub_pending
                         where node = :node and bdf = any(cast(:bdfs as text[])) and tenant <> :tenant) as awaiting_scrub
            """;

    // The parts of a change of state after its row, in the order its statement has them (see UpdateShape).
    private static final String PREPARED = """
            , prepared as (
                update assignment_devices held
                set devid = device.devid, hwpt_id = device.hwpt_id, function_reset = device.function_reset
                from unnest(cast(:bdfs as text[]), cast(:devids as bigint[]), cast(:hwptIdsOfDevices as bigint[]),
                            cast(:functionResets as boolean[]))
                     as device(bdf, devid, hwpt_id, function_reset)
                where held.assignment_id = :id and held.role = 'OWNER' and held.bdf = device.bdf
                  and exists (select 1 from updated)
            )""";
    private static final String RELEASED = """
            , released as (
                update assignment_devices set held = false
                where assignment_id = :id and held and exists (select 1 from updated)
                returning role
            ), usage as (
                update tenant_usage set devices = devices - (select count(*) from released where role = 'OWNER')
                where tenant = :tenant and exists (select 1 from released where role = 'OWNER')
            )""";
    private static final String PENDING = """
            , pending as (
                insert into scrub_pending (node, bdf, tenant)
                select :node, bdf, :tenant from unnest(cast(:scrubPending as text[])) as bdf
                where exists (select 1 from updated)
                on conflict (node, bdf) do update set tenant = excluded.tenant, since = now()
            )""";
    private static final String SCRUBBED = """
            , scrubbed as (
                delete from scrub_pending
                where node = :node and bdf = any(cast(:scrubbed as text[])) and exists (select 1 from updated)
            )""";
    private static final String LOGGED = """
            , logged as (
                insert into assignment_changes (assignment_id, tenant, node, state, assignment, scrub_pending, scrubbed)
                select :id, :tenant, :node, :state, :assignment, cast(:scrubPending as text[]), cast(:scrubbed as text[])
                where exists (select 1 from updated)
                on conflict (revision, assignment_id) do update
                    set state = excluded.state, assignment = excluded.assignment,
                        scrub_pending = assignment_changes.scrub_pending || excluded.scrub_pending,
                        scrubbed = assignment_changes.scrubbed || excluded.scrubbed
                returning revision
            ), audited as (
            """ + JdbcAuditLog.insertEvent("exists (select 1 from updated)") + """
            )
            select revision from logged
            """;

    /**
     * One change of state: the row (only from {@code expected}, when given), the devices' ids once
     * prepared, the holds (its own and the fences of its resets) and the quota count when it ends, the
     * scrubs of a release, and the log entry; nothing but the row's lock when the row was not in the
     * expected state.
     *
     * <p>Its statement has only the parts its change needs, one text for each shape, rather than one text
     * whose parts a parameter switches off: PostgreSQL then finds a generic plan as good as a custom one
     * and plans each text once per connection. With the switches, a custom plan (which drops the parts
     * switched off) always looked cheaper, so nearly every call was planned again.
     */
    private record UpdateShape(boolean expected, boolean prepared, boolean terminal, boolean pending, boolean scrubbed) {

        private static final Map<UpdateShape, String> STATEMENTS = new ConcurrentHashMap<>();

        String statement() {
            return STATEMENTS.computeIfAbsent(this, shape -> """
                    with updated as (
                        update assignments
                        set state = :state, ioas_id = :ioasId, hwpt_ids = :hwptIds, failure_reason = :failureReason,
                            updated_at = :now, revision = pg_current_xact_id()::text::bigint, driver = :driver
                        where id = :id%s
                        returning id
                    )""".formatted(shape.expected ? " and state = cast(:expected as text)" : "")
                    + (shape.prepared ? PREPARED : "") + (shape.terminal ? RELEASED : "")
                    + (shape.pending ? PENDING : "") + (shape.scrubbed ? SCRUBBED : "") + LOGGED);
        }
    }

    private static final String SELECT_ASSIGNMENT = """
            select a.id, a.tenant, a.node, a.state, a.with_kvm, a.ioas_id, a.hwpt_ids, a.failure_reason, a.created_at,
                   d.bdf, d.vfio_name, d.iommu_group, d.reset_set, d.kind, d.devid, d.hwpt_id, d.function_reset
            from assignments a
            left join assignment_devices d on d.assignment_id = a.id and d.role = 'OWNER'
            where a.id = :id
            order by d.position
            """;

    private static final String INSERT_FENCE = """
            insert into assignment_devices
                (assignment_id, tenant, node, bdf, role, held, position, vfio_name, iommu_group, reset_set, driver)
            values (:assignment, :tenant, :node, :bdf, 'FENCE', true, -1, '', -1, '', :driver)
            on conflict (node, bdf) where held do nothing
            """;

    /**
     * Whether the run {@code <column>} names has gone: not this run, and holding no incarnation lock
     * in this database. A null driver (stored before drivers were) counts as gone.
     */
    private static final String DRIVER_GONE = """
            (%1$s is distinct from :self and not exists (
                select 1 from pg_locks l
                where l.locktype = 'advisory' and l.granted and l.objsubid = 2
                  and l.database = (select oid from pg_database where datname = current_database())
                  and l.classid = cast(:namespace as oid) and l.objid = cast(%1$s as oid)))
            """;

    private final JdbcClient jdbc;
    private final FleetView view;
    private final Incarnation incarnation;
    private final AuditSequencer sequencer;
    private final JsonMapper json = JsonMapper.builder().build();

    JdbcAssignments(JdbcClient jdbc, FleetView view, Incarnation incarnation, AuditSequencer sequencer) {
        this.jdbc = jdbc;
        this.sequencer = sequencer;
        this.view = view;
        this.incarnation = incarnation;
    }

    @Override
    public Assignment reserve(Assignment requested, TenantPolicy policy, AuditEvent recorded) {
        Instant now = now();
        Assignment stored = new Assignment(requested.id(), requested.tenant(), requested.node(), requested.state(),
                requested.withKvm(), requested.devices(), requested.ioasId(), requested.hwptIds(),
                requested.failureReason(), now);
        List<AssignedDevice> devices = stored.devices();
        List<String> bdfs = stored.bdfs();
        Set<String> held = new LinkedHashSet<>(jdbc.sql(RESERVE)
                .param("id", stored.id())
                .param("tenant", stored.tenant())
                .param("node", stored.node())
                .param("state", stored.state().name())
                .param("withKvm", stored.withKvm())
                .param("failureReason", stored.failureReason(), Types.VARCHAR)
                .param("now", timestamp(now))
                .param("driver", incarnation.id())
                .param("bdfs", bdfs.toArray(String[]::new))
                .param("vfioNames", devices.stream().map(AssignedDevice::vfioName).toArray(String[]::new))
                .param("groups", devices.stream().map(AssignedDevice::iommuGroup).toArray(Integer[]::new))
                .param("resetSets", devices.stream().map(AssignedDevice::resetSet).toArray(String[]::new))
                .param("kinds", devices.stream().map(device -> device.kind().name()).toArray(String[]::new))
                .query(String.class).list());
        if (held.size() != bdfs.size()) {
            throw new DevicesTaken(bdfs.stream().filter(bdf -> !held.contains(bdf)).toList());
        }
        Counted counted = JdbcAuditLog.withEvent(jdbc.sql(COUNT_AND_LOG), recorded)
                .param("id", stored.id())
                .param("tenant", stored.tenant())
                .param("node", stored.node())
                .param("state", stored.state().name())
                .param("count", bdfs.size())
                .param("bdfs", bdfs.toArray(String[]::new))
                .param("assignment", StoredAssignment.of(stored, now).toJson(json))
                .query((row, number) -> new Counted(row.getInt("devices"), row.getLong("revision"),
                        List.of((String[]) row.getArray("awaiting_scrub").getArray())))
                .single();
        if (!counted.awaitingScrub().isEmpty()) {
            throw new DevicesTaken(counted.awaitingScrub());
        }
        List<io.vfleet.assignment.domain.Violation> overQuota = Quotas.check(policy,
                new TenantUsage(counted.devices() - bdfs.size(), 0), new Quotas.Demand(bdfs.size(), 0));
        if (!overQuota.isEmpty()) {
            throw new AssignmentRefused(overQuota);
        }
        report(new AssignmentChange(counted.revision(), stored, Set.of(), Set.of()));
        return stored;
    }

    private record Counted(int devices, long revision, List<String> awaitingScrub) {}

    @Override
    public Optional<Assignment> find(String id) {
        return read(SELECT_ASSIGNMENT, id);
    }

    @Override
    public Optional<Assignment> lock(String id) {
        return read(SELECT_ASSIGNMENT + " for update of a", id);
    }

    private Optional<Assignment> read(String sql, String id) {
        List<Assignment> found = assemble(jdbc.sql(sql).param("id", id).query(this::row).list());
        return found.stream().findFirst();
    }

    @Override
    public Assignment update(Assignment changed, AuditEvent recorded) {
        return write(null, changed, AssignmentChange.Scrubs.NONE, recorded).orElseThrow(
                () -> new AssertionError("an assignment is updated only after it was reserved: " + changed.id()));
    }

    @Override
    public Optional<Assignment> update(AssignmentState expected, Assignment changed, AssignmentChange.Scrubs scrubs,
            AuditEvent recorded) {
        return write(expected, changed, scrubs, recorded);
    }

    private Optional<Assignment> write(AssignmentState expected, Assignment changed, AssignmentChange.Scrubs scrubs,
            AuditEvent recorded) {
        Instant now = now();
        // Devices get their ids with ACTIVE, which never lets them go: one statement never updates a
        // hold twice (once for its ids, once to let it go).
        UpdateShape shape = new UpdateShape(expected != null, changed.state() == AssignmentState.ACTIVE,
                changed.state().isTerminal(), !scrubs.pending().isEmpty(), !scrubs.scrubbed().isEmpty());
        List<Long> revision = JdbcAuditLog.withEvent(jdbc.sql(shape.statement()), recorded)
                .param("id", changed.id())
                .param("tenant", changed.tenant())
                .param("node", changed.node())
                .param("state", changed.state().name())
                .param("expected", expected == null ? null : expected.name(), Types.VARCHAR)
                .param("ioasId", changed.ioasId(), Types.BIGINT)
                .param("hwptIds", String.join(",", changed.hwptIds().stream().map(String::valueOf).toList()))
                .param("failureReason", changed.failureReason(), Types.VARCHAR)
                .param("now", timestamp(now))
                .param("driver", incarnation.id())
                .param("bdfs", changed.bdfs().toArray(String[]::new))
                .param("devids", changed.devices().stream().map(AssignedDevice::devid).toArray(Long[]::new))
                .param("hwptIdsOfDevices", changed.devices().stream().map(AssignedDevice::hwptId).toArray(Long[]::new))
                .param("functionResets", changed.devices().stream().map(AssignedDevice::functionReset).toArray(Boolean[]::new))
                .param("scrubPending", scrubs.pending().stream().sorted().toArray(String[]::new))
                .param("scrubbed", scrubs.scrubbed().stream().sorted().toArray(String[]::new))
                .param("assignment", StoredAssignment.of(changed, now).toJson(json))
                .query(Long.class).list();
        if (revision.isEmpty()) {
            return Optional.empty();
        }
        report(new AssignmentChange(revision.getFirst(), changed, scrubs.pending(), scrubs.scrubbed()));
        return Optional.of(changed);
    }

    /** Hands the change to this replica's fleet view once the transaction has committed, and wakes the audit sequencer. */
    private void report(AssignmentChange change) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            throw new AssertionError("assignments change only inside a transaction");
        }
        sequencer.wakeAfterCommit();
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                view.apply(change);
            }
        });
    }

    /** The filter as a where clause, its values put in {@code parameters}. */
    private static String where(Filter filter, Map<String, Object> parameters) {
        StringBuilder where = new StringBuilder(" where true");
        if (filter.tenant() != null) {
            where.append(" and tenant = :tenant");
            parameters.put("tenant", filter.tenant());
        }
        if (filter.node() != null) {
            where.append(" and node = :node");
            parameters.put("node", filter.node());
        }
        if (filter.state() != null) {
            where.append(" and state = :state");
            parameters.put("state", filter.state().name());
        }
        return where.toString();
    }

    @Override
    public Page<Assignment> list(Filter filter, Paging paging) {
        Map<String, Object> parameters = new HashMap<>();
        String where = where(filter, parameters);
        long total = jdbc.sql("select count(*) from assignments" + where).params(parameters).query(Long.class).single();
        List<String> ids = jdbc.sql("select id from assignments" + where
                        + " order by created_at, id limit :limit offset :offset")
                .params(parameters).param("limit", paging.size()).param("offset", paging.offset())
                .query(String.class).list();
        return new Page<>(byIds(ids), paging.page(), paging.size(), total);
    }

    @Override
    public List<Assignment> newest(Filter filter, int limit) {
        Map<String, Object> parameters = new HashMap<>();
        String where = where(filter, parameters);
        return byIds(jdbc.sql("select id from assignments" + where + " order by created_at desc, id desc limit :limit")
                .params(parameters).param("limit", limit).query(String.class).list());
    }

    @Override
    public Map<AssignmentState, Long> countByState() {
        Map<AssignmentState, Long> counts = new java.util.EnumMap<>(AssignmentState.class);
        jdbc.sql("select state, count(*) from assignments group by state")
                .query((ResultSet row) -> {
                    counts.put(AssignmentState.valueOf(row.getString(1)), row.getLong(2));
                });
        return counts;
    }

    @Override
    public Map<String, AssignmentState> statesOf(java.util.Collection<String> ids) {
        Map<String, AssignmentState> states = new HashMap<>();
        if (ids.isEmpty()) {
            return states;
        }
        jdbc.sql("select id, state from assignments where id = any(cast(:ids as text[]))")
                .param("ids", ids.toArray(String[]::new))
                .query((ResultSet row) -> {
                    states.put(row.getString(1), AssignmentState.valueOf(row.getString(2)));
                });
        return states;
    }

    @Override
    public List<Assignment> unfinishedOn(String node, Instant changedBefore) {
        List<String> ids = jdbc.sql("""
                        select a.id from assignments a
                        where a.node = :node and a.state not in ('RELEASED', 'FAILED')
                          and (a.updated_at < :before or %s)
                        order by a.created_at, a.id
                        """.formatted(DRIVER_GONE.formatted("a.driver")))
                .param("node", node).param("before", timestamp(changedBefore))
                .param("self", incarnation.id()).param("namespace", Incarnation.NAMESPACE)
                .query(String.class).list();
        return byIds(ids);
    }

    /** The assignments with these ids, in this order, read in one statement. */
    private List<Assignment> byIds(List<String> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<String, Assignment> byId = new HashMap<>();
        assemble(jdbc.sql("""
                        select a.id, a.tenant, a.node, a.state, a.with_kvm, a.ioas_id, a.hwpt_ids, a.failure_reason,
                               a.created_at, d.bdf, d.vfio_name, d.iommu_group, d.reset_set, d.kind, d.devid, d.hwpt_id,
                               d.function_reset
                        from assignments a
                        left join assignment_devices d on d.assignment_id = a.id and d.role = 'OWNER'
                        where a.id = any(cast(:ids as text[]))
                        order by a.id, d.position
                        """)
                .param("ids", ids.toArray(String[]::new))
                .query(this::row).list())
                .forEach(assignment -> byId.put(assignment.id(), assignment));
        return ids.stream().map(byId::get).toList();
    }

    @Override
    public NodeState nodeState(NodeTopology topology) {
        return nodeStates(List.of(topology)).getFirst();
    }

    @Override
    public List<NodeState> nodeStates(List<NodeTopology> topologies) {
        if (topologies.isEmpty()) {
            return List.of();
        }
        String[] names = topologies.stream().map(NodeTopology::node).toArray(String[]::new);
        Map<String, Map<String, Hold>> holds = new HashMap<>();
        Map<String, Map<String, String>> scrubs = new HashMap<>();
        jdbc.sql("""
                        select 'hold' as what, node, bdf, tenant, assignment_id, role from assignment_devices
                        where held and node = any(cast(:nodes as text[]))
                        union all
                        select 'scrub', node, bdf, tenant, null, null from scrub_pending where node = any(cast(:nodes as text[]))
                        """)
                .param("nodes", names)
                .query((ResultSet row) -> {
                    String node = row.getString("node");
                    String bdf = row.getString("bdf");
                    if (row.getString("what").equals("hold")) {
                        holds.computeIfAbsent(node, ignored -> new HashMap<>()).put(bdf, new Hold(bdf, row.getString("tenant"),
                                row.getString("assignment_id"), Hold.Kind.valueOf(row.getString("role"))));
                    } else {
                        scrubs.computeIfAbsent(node, ignored -> new HashMap<>()).put(bdf, row.getString("tenant"));
                    }
                });
        return topologies.stream().map(topology -> new NodeState(topology,
                holds.getOrDefault(topology.node(), Map.of()), scrubs.getOrDefault(topology.node(), Map.of()))).toList();
    }

    @Override
    public TenantUsage usage(String tenant) {
        int devices = jdbc.sql("select devices from tenant_usage where tenant = :tenant").param("tenant", tenant)
                .query(Integer.class).optional().orElse(0);
        // Pinned memory is mapped by the tenant's VMM through the agent, not through this service.
        return new TenantUsage(devices, 0);
    }

    @Override
    public boolean fence(Assignment resetting, List<String> devices) {
        for (String bdf : devices) {
            int inserted = jdbc.sql(INSERT_FENCE)
                    .param("assignment", resetting.id())
                    .param("tenant", resetting.tenant())
                    .param("node", resetting.node())
                    .param("bdf", bdf)
                    .param("driver", incarnation.id())
                    .update();
            if (inserted == 0) {
                unfence(resetting.id());
                return false;
            }
        }
        return true;
    }

    @Override
    public List<String> fencedBy(String assignmentId) {
        return jdbc.sql("select bdf from assignment_devices where assignment_id = :assignment and role = 'FENCE' and held"
                        + " order by bdf")
                .param("assignment", assignmentId).query(String.class).list();
    }

    @Override
    public void clearScrubPending(String node, Set<String> devices) {
        if (devices.isEmpty()) {
            return;
        }
        jdbc.sql("delete from scrub_pending where node = :node and bdf = any(cast(:devices as text[]))")
                .param("node", node).param("devices", devices.toArray(String[]::new)).update();
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                view.scrubbed(node, devices);
            }
        });
    }

    @Override
    public void unfence(String assignmentId) {
        jdbc.sql("update assignment_devices set held = false where assignment_id = :assignment and role = 'FENCE' and held")
                .param("assignment", assignmentId).update();
    }

    @Override
    public List<String> unfenceAbandoned(String node, Instant startedBefore) {
        return jdbc.sql("""
                        update assignment_devices d set held = false
                        where d.node = :node and d.role = 'FENCE' and d.held and (d.created_at < :before or %s)
                        returning d.bdf
                        """.formatted(DRIVER_GONE.formatted("d.driver")))
                .param("node", node).param("before", timestamp(startedBefore))
                .param("self", incarnation.id()).param("namespace", Incarnation.NAMESPACE)
                .query(String.class).list();
    }

    /** One row of an assignment joined with one of its devices (or none). */
    private record Row(String id, String tenant, String node, String state, boolean withKvm, Long ioasId, String hwptIds,
            String failureReason, Instant createdAt, AssignedDevice device) {}

    private Row row(ResultSet row, int number) throws SQLException {
        String bdf = row.getString("bdf");
        AssignedDevice device = bdf == null ? null : new AssignedDevice(bdf, row.getString("vfio_name"),
                row.getInt("iommu_group"), row.getString("reset_set"), TopologyDevice.Kind.valueOf(row.getString("kind")),
                row.getObject("devid", Long.class), row.getObject("hwpt_id", Long.class),
                row.getObject("function_reset", Boolean.class));
        return new Row(row.getString("id"), row.getString("tenant"), row.getString("node"), row.getString("state"),
                row.getBoolean("with_kvm"), row.getObject("ioas_id", Long.class), row.getString("hwpt_ids"),
                row.getString("failure_reason"), row.getTimestamp("created_at").toInstant(), device);
    }

    /** Assignments from rows grouped by assignment, in the order each first appears. */
    private static List<Assignment> assemble(List<Row> rows) {
        Map<String, List<Row>> byId = new LinkedHashMap<>();
        rows.forEach(row -> byId.computeIfAbsent(row.id(), ignored -> new ArrayList<>()).add(row));
        List<Assignment> assignments = new ArrayList<>();
        for (List<Row> group : byId.values()) {
            Row first = group.getFirst();
            List<AssignedDevice> devices = group.stream().map(Row::device).filter(java.util.Objects::nonNull).toList();
            List<Long> hwptIds = first.hwptIds().isEmpty()
                    ? List.of()
                    : Arrays.stream(first.hwptIds().split(",")).map(Long::valueOf).toList();
            assignments.add(new Assignment(first.id(), first.tenant(), first.node(), AssignmentState.valueOf(first.state()),
                    first.withKvm(), devices, first.ioasId(), hwptIds, first.failureReason(), first.createdAt()));
        }
        return assignments;
    }

    private static java.time.OffsetDateTime timestamp(Instant instant) {
        return instant.atOffset(java.time.ZoneOffset.UTC);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
