package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.DevicesTaken;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.NodeState;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TenantUsage;
import io.vfleet.assignment.domain.TopologyDevice;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.TypedQuery;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Repository;

/**
 * Assignments and holds in PostgreSQL. A hold is inserted with {@code ON CONFLICT DO NOTHING}
 * against the partial unique index {@code assignment_devices_held_once}: a reservation that finds
 * a device held (or waits for a concurrent holder to commit and then finds it) inserts nothing for
 * it, and the whole reservation is refused. So the database, not a Java lock, decides every race.
 */
@Repository
class JpaAssignments implements Assignments {

    private static final String INSERT_HOLD = """
            insert into assignment_devices
                (assignment_id, tenant, node, bdf, role, held, position, vfio_name, iommu_group, reset_set, kind)
            values (:assignment, :tenant, :node, :bdf, :role, true, :position, :vfio, :group, :resetSet, :kind)
            on conflict (node, bdf) where held do nothing
            """;

    @PersistenceContext
    private EntityManager entities;

    @Override
    public Assignment reserve(Assignment requested) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        AssignmentRow row = new AssignmentRow();
        row.id = requested.id();
        row.tenant = requested.tenant();
        row.node = requested.node();
        row.state = requested.state().name();
        row.withKvm = requested.withKvm();
        row.hwptIds = "";
        row.createdAt = now;
        row.updatedAt = now;
        entities.persist(row);
        entities.flush();
        List<String> taken = new ArrayList<>();
        int position = 0;
        for (AssignedDevice device : requested.devices()) {
            int inserted = entities.createNativeQuery(INSERT_HOLD)
                    .setParameter("assignment", requested.id())
                    .setParameter("tenant", requested.tenant())
                    .setParameter("node", requested.node())
                    .setParameter("bdf", device.bdf())
                    .setParameter("role", Hold.Kind.OWNER.name())
                    .setParameter("position", position++)
                    .setParameter("vfio", device.vfioName())
                    .setParameter("group", device.iommuGroup())
                    .setParameter("resetSet", device.resetSet())
                    .setParameter("kind", device.kind().name())
                    .executeUpdate();
            if (inserted == 0) {
                taken.add(device.bdf());
            }
        }
        if (!taken.isEmpty()) {
            throw new DevicesTaken(taken);
        }
        return find(requested.id()).orElseThrow();
    }

    @Override
    public Optional<Assignment> find(String id) {
        return Optional.ofNullable(entities.find(AssignmentRow.class, id)).map(this::toDomain);
    }

    @Override
    public Optional<Assignment> lock(String id) {
        return Optional.ofNullable(entities.find(AssignmentRow.class, id, LockModeType.PESSIMISTIC_WRITE))
                .map(this::toDomain);
    }

    @Override
    public Assignment update(Assignment changed) {
        AssignmentRow row = entities.find(AssignmentRow.class, changed.id());
        if (row == null) {
            throw new AssertionError("an assignment is updated only after it was reserved: " + changed.id());
        }
        row.state = changed.state().name();
        row.ioasId = changed.ioasId();
        row.hwptIds = String.join(",", changed.hwptIds().stream().map(String::valueOf).toList());
        row.failureReason = changed.failureReason();
        row.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        for (AssignmentDeviceRow device : ownedRows(changed.id())) {
            changed.devices().stream().filter(candidate -> candidate.bdf().equals(device.bdf)).findFirst()
                    .ifPresent(candidate -> {
                        device.devid = candidate.devid();
                        device.hwptId = candidate.hwptId();
                        device.functionReset = candidate.functionReset();
                    });
        }
        entities.flush();
        if (changed.state().isTerminal()) {
            entities.createNativeQuery("""
                    update assignment_devices set held = false
                    where assignment_id = :assignment and role = 'OWNER' and held
                    """).setParameter("assignment", changed.id()).executeUpdate();
        }
        // Native updates bypass the persistence context: read back from the database from here on.
        entities.clear();
        return find(changed.id()).orElseThrow();
    }

    @Override
    public Page<Assignment> list(Filter filter, Paging paging) {
        StringBuilder where = new StringBuilder(" where 1 = 1");
        Map<String, Object> parameters = new HashMap<>();
        if (filter.tenant() != null) {
            where.append(" and a.tenant = :tenant");
            parameters.put("tenant", filter.tenant());
        }
        if (filter.node() != null) {
            where.append(" and a.node = :node");
            parameters.put("node", filter.node());
        }
        if (filter.state() != null) {
            where.append(" and a.state = :state");
            parameters.put("state", filter.state().name());
        }
        TypedQuery<AssignmentRow> rows = entities.createQuery(
                "select a from AssignmentRow a" + where + " order by a.createdAt, a.id", AssignmentRow.class);
        TypedQuery<Long> count = entities.createQuery("select count(a) from AssignmentRow a" + where, Long.class);
        parameters.forEach((name, value) -> {
            rows.setParameter(name, value);
            count.setParameter(name, value);
        });
        List<Assignment> items = rows.setFirstResult((int) paging.offset()).setMaxResults(paging.size())
                .getResultList().stream().map(this::toDomain).toList();
        return new Page<>(items, paging.page(), paging.size(), count.getSingleResult());
    }

    @Override
    public List<Assignment> unfinishedOn(String node, Instant changedBefore) {
        return entities.createQuery("""
                        select a from AssignmentRow a
                        where a.node = :node and a.state not in ('RELEASED', 'FAILED') and a.updatedAt < :before
                        order by a.createdAt, a.id
                        """, AssignmentRow.class)
                .setParameter("node", node)
                .setParameter("before", changedBefore)
                .getResultList().stream().map(this::toDomain).toList();
    }

    @Override
    public NodeState nodeState(NodeTopology topology) {
        Map<String, Hold> holds = new HashMap<>();
        List<?> rows = entities.createNativeQuery("""
                        select bdf, tenant, assignment_id, role from assignment_devices where node = :node and held
                        """)
                .setParameter("node", topology.node()).getResultList();
        for (Object row : rows) {
            Object[] columns = (Object[]) row;
            String bdf = (String) columns[0];
            holds.put(bdf, new Hold(bdf, (String) columns[1], (String) columns[2], Hold.Kind.valueOf((String) columns[3])));
        }
        Map<String, String> scrubPending = new HashMap<>();
        List<?> pending = entities.createNativeQuery("select bdf, tenant from scrub_pending where node = :node")
                .setParameter("node", topology.node()).getResultList();
        for (Object row : pending) {
            Object[] columns = (Object[]) row;
            scrubPending.put((String) columns[0], (String) columns[1]);
        }
        return new NodeState(topology, holds, scrubPending);
    }

    @Override
    public TenantUsage usage(String tenant) {
        Number devices = (Number) entities.createNativeQuery("""
                        select count(*) from assignment_devices where tenant = :tenant and held and role = 'OWNER'
                        """)
                .setParameter("tenant", tenant).getSingleResult();
        // Pinned memory is mapped by the tenant's VMM through the agent, not through this service.
        return new TenantUsage(devices.intValue(), 0);
    }

    @Override
    public boolean fence(Assignment resetting, List<String> devices) {
        for (String bdf : devices) {
            int inserted = entities.createNativeQuery(INSERT_HOLD)
                    .setParameter("assignment", resetting.id())
                    .setParameter("tenant", resetting.tenant())
                    .setParameter("node", resetting.node())
                    .setParameter("bdf", bdf)
                    .setParameter("role", Hold.Kind.FENCE.name())
                    .setParameter("position", -1)
                    .setParameter("vfio", "")
                    .setParameter("group", -1)
                    .setParameter("resetSet", "")
                    .setParameter("kind", TopologyDevice.Kind.PHYSICAL.name())
                    .executeUpdate();
            if (inserted == 0) {
                unfence(resetting.id());
                return false;
            }
        }
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<String> fencedBy(String assignmentId) {
        return entities.createNativeQuery("""
                        select bdf from assignment_devices
                        where assignment_id = :assignment and role = 'FENCE' and held order by bdf
                        """)
                .setParameter("assignment", assignmentId)
                .getResultList();
    }

    @Override
    public void unfence(String assignmentId) {
        entities.createNativeQuery("""
                update assignment_devices set held = false where assignment_id = :assignment and role = 'FENCE' and held
                """).setParameter("assignment", assignmentId).executeUpdate();
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<String> unfenceAbandoned(String node, Instant startedBefore) {
        return entities.createNativeQuery("""
                        update assignment_devices set held = false
                        where node = :node and role = 'FENCE' and held and created_at < :before
                        returning bdf
                        """)
                .setParameter("node", node)
                .setParameter("before", startedBefore)
                .getResultList();
    }

    @Override
    public void markScrubPending(String node, Map<String, String> tenantByDevice) {
        tenantByDevice.forEach((bdf, tenant) -> entities.createNativeQuery("""
                        insert into scrub_pending (node, bdf, tenant) values (:node, :bdf, :tenant)
                        on conflict (node, bdf) do update set tenant = excluded.tenant, since = now()
                        """)
                .setParameter("node", node).setParameter("bdf", bdf).setParameter("tenant", tenant)
                .executeUpdate());
    }

    @Override
    public void clearScrubPending(String node, Set<String> devices) {
        if (devices.isEmpty()) {
            return;
        }
        entities.createNativeQuery("delete from scrub_pending where node = :node and bdf in (:devices)")
                .setParameter("node", node).setParameter("devices", devices).executeUpdate();
    }

    private List<AssignmentDeviceRow> ownedRows(String assignmentId) {
        return entities.createQuery("""
                        select d from AssignmentDeviceRow d
                        where d.assignmentId = :assignment and d.role = 'OWNER' order by d.position
                        """, AssignmentDeviceRow.class)
                .setParameter("assignment", assignmentId).getResultList();
    }

    private Assignment toDomain(AssignmentRow row) {
        List<AssignedDevice> devices = ownedRows(row.id).stream()
                .map(device -> new AssignedDevice(device.bdf, device.vfioName, device.iommuGroup, device.resetSet,
                        TopologyDevice.Kind.valueOf(device.kind), device.devid, device.hwptId, device.functionReset))
                .toList();
        List<Long> hwptIds = row.hwptIds.isEmpty()
                ? List.of()
                : Arrays.stream(row.hwptIds.split(",")).map(Long::valueOf).toList();
        return new Assignment(row.id, row.tenant, row.node, AssignmentState.valueOf(row.state), row.withKvm, devices,
                row.ioasId, hwptIds, row.failureReason, row.createdAt);
    }
}
