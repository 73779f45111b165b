package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.FleetView;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The topology copy in PostgreSQL. Written only from the inventory's stream (and by tests), read when
 * the fleet view loads, by reconciliation and by the dashboard. Each write runs in a transaction of its
 * own, as it comes from outside any use case, and once committed goes to this replica's fleet view.
 *
 * <p>Every replica follows the inventory and writes what it hears; a node's row keeps the inventory
 * revision it was written at, and a write of an older revision changes nothing, so a replica that hears a
 * change late, or a feed that replays one, never takes a node back in time. The same revision is written
 * again: a revision's changes of one node (the node, then its devices) come one after the other.
 */
@Repository
class JdbcTopologies implements Topologies {

    private static final String SELECT = """
            select n.node, n.noiommu_enabled, n.live, d.bdf, d.vendor_id, d.device_id, d.class_code, d.iommu_group,
                   d.reset_set, d.kind, d.assignable, d.vfio_name
            from nodes n left join node_devices d on d.node = n.node
            """;

    private final JdbcClient jdbc;
    private final FleetView view;
    /** Where each node's agent listens, as this replica last heard or read, so that no agent call reads the database. */
    private final Map<String, String> endpoints = new ConcurrentHashMap<>();

    JdbcTopologies(JdbcClient jdbc, FleetView view) {
        this.jdbc = jdbc;
        this.view = view;
    }

    @Override
    public Optional<NodeTopology> find(String node) {
        return assemble(jdbc.sql(SELECT + " where n.node = :node order by d.bdf").param("node", node)
                .query(this::row).list()).stream().findFirst();
    }

    @Override
    public List<NodeTopology> all() {
        return assemble(jdbc.sql(SELECT + " order by n.node, d.bdf").query(this::row).list());
    }

    @Override
    @Transactional
    public boolean replace(NodeTopology topology, long revision) {
        boolean newer = jdbc.sql("""
                        insert into nodes (node, noiommu_enabled, live, revision, updated_at)
                        values (:node, :noiommu, :live, :revision, now())
                        on conflict (node) do update
                            set noiommu_enabled = excluded.noiommu_enabled, live = excluded.live,
                                revision = excluded.revision, updated_at = excluded.updated_at
                            where nodes.revision <= excluded.revision
                        returning node
                        """)
                .param("node", topology.node())
                .param("noiommu", topology.noiommuEnabled())
                .param("live", topology.live())
                .param("revision", revision)
                .query(String.class).optional().isPresent();
        if (newer) {
            List<TopologyDevice> devices = topology.devices();
            jdbc.sql("delete from node_devices where node = :node").param("node", topology.node()).update();
            jdbc.sql("""
                            insert into node_devices (node, bdf, vendor_id, device_id, class_code, iommu_group, reset_set, kind,
                                                      assignable, vfio_name)
                            select :node, device.* from unnest(cast(:bdfs as text[]), cast(:vendors as integer[]),
                                cast(:devices as integer[]), cast(:classes as integer[]), cast(:groups as integer[]),
                                cast(:resetSets as text[]), cast(:kinds as text[]), cast(:assignable as boolean[]),
                                cast(:vfioNames as text[])) as device
                            """)
                    .param("node", topology.node())
                    .param("bdfs", devices.stream().map(TopologyDevice::bdf).toArray(String[]::new))
                    .param("vendors", devices.stream().map(device -> device.id().vendorId()).toArray(Integer[]::new))
                    .param("devices", devices.stream().map(device -> device.id().deviceId()).toArray(Integer[]::new))
                    .param("classes", devices.stream().map(device -> device.id().classCode()).toArray(Integer[]::new))
                    .param("groups", devices.stream().map(TopologyDevice::iommuGroup).toArray(Integer[]::new))
                    .param("resetSets", devices.stream().map(TopologyDevice::resetSet).toArray(String[]::new))
                    .param("kinds", devices.stream().map(device -> device.kind().name()).toArray(String[]::new))
                    .param("assignable", devices.stream().map(TopologyDevice::assignable).toArray(Boolean[]::new))
                    .param("vfioNames", devices.stream().map(TopologyDevice::vfioName).toArray(String[]::new))
                    .update();
        }
        jdbc.sql("update inventory_revision set revision = greatest(revision, :revision)").param("revision", revision).update();
        // The view follows this replica's own feed, which may be behind the database another replica wrote.
        afterCommit(() -> view.replaceNode(topology, revision));
        return newer;
    }

    @Override
    @Transactional
    public boolean remove(String node, long revision) {
        boolean removed = jdbc.sql("delete from nodes where node = :node and revision <= :revision")
                .param("node", node).param("revision", revision).update() > 0;
        if (removed) {
            afterCommit(() -> {
                view.removeNode(node);
                endpoints.remove(node);
            });
        }
        return removed;
    }

    @Override
    public long revision() {
        return jdbc.sql("select revision from inventory_revision").query(Long.class).single();
    }

    @Override
    @Transactional
    public void recordAgentEndpoint(String node, String endpoint, long revision) {
        jdbc.sql("update nodes set agent_endpoint = :endpoint where node = :node and revision <= :revision")
                .param("endpoint", endpoint).param("node", node).param("revision", revision).update();
        // This replica's feed hears its changes in order: the latest it heard is where it calls.
        endpoints.put(node, endpoint);
    }

    @Override
    public Optional<String> agentEndpoint(String node) {
        String known = endpoints.get(node);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<String> stored = jdbc.sql("select agent_endpoint from nodes where node = :node and agent_endpoint is not null")
                .param("node", node).query(String.class).optional();
        stored.ifPresent(endpoint -> endpoints.putIfAbsent(node, endpoint));
        return stored;
    }

    private static void afterCommit(Runnable action) {
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }

    /** One row of a node joined with one of its devices (or none). */
    private record Row(String node, boolean noiommuEnabled, boolean live, TopologyDevice device) {}

    private Row row(ResultSet row, int number) throws SQLException {
        String bdf = row.getString("bdf");
        TopologyDevice device = bdf == null ? null : new TopologyDevice(bdf,
                new TopologyDevice.PciId(row.getInt("vendor_id"), row.getInt("device_id"), row.getInt("class_code")),
                row.getInt("iommu_group"), row.getString("reset_set"), TopologyDevice.Kind.valueOf(row.getString("kind")),
                row.getBoolean("assignable"), row.getString("vfio_name"));
        return new Row(row.getString("node"), row.getBoolean("noiommu_enabled"), row.getBoolean("live"), device);
    }

    private static List<NodeTopology> assemble(List<Row> rows) {
        Map<String, List<Row>> byNode = new LinkedHashMap<>();
        rows.forEach(row -> byNode.computeIfAbsent(row.node(), ignored -> new ArrayList<>()).add(row));
        return byNode.values().stream().map(group -> new NodeTopology(group.getFirst().node(), group.getFirst().noiommuEnabled(),
                group.getFirst().live(), group.stream().map(Row::device).filter(java.util.Objects::nonNull).toList())).toList();
    }
}
