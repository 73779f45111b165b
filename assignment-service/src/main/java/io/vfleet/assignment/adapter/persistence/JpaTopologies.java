package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * The topology copy in PostgreSQL. Written only from the inventory's stream (and by tests), read by
 * every assignment decision. Each write runs in a transaction of its own, as it comes from outside
 * any use case.
 */
@Repository
class JpaTopologies implements Topologies {

    @PersistenceContext
    private EntityManager entities;

    @Override
    public Optional<NodeTopology> find(String node) {
        return Optional.ofNullable(entities.find(NodeRow.class, node)).map(this::toDomain);
    }

    @Override
    public List<NodeTopology> all() {
        return entities.createQuery("select n from NodeRow n order by n.node", NodeRow.class)
                .getResultList().stream().map(this::toDomain).toList();
    }

    @Override
    @Transactional
    public void replace(NodeTopology topology, long revision) {
        // Deleted by a statement of its own, before the inserts: a flush would insert first.
        entities.createNativeQuery("delete from node_devices where node = :node")
                .setParameter("node", topology.node()).executeUpdate();
        NodeRow row = entities.find(NodeRow.class, topology.node());
        boolean known = row != null;
        if (!known) {
            row = new NodeRow();
            row.node = topology.node();
        }
        row.noiommuEnabled = topology.noiommuEnabled();
        row.live = topology.live();
        row.revision = revision;
        row.updatedAt = Instant.now();
        if (!known) {
            entities.persist(row);
        }
        entities.flush();
        for (TopologyDevice device : topology.devices()) {
            NodeDeviceRow deviceRow = new NodeDeviceRow();
            deviceRow.node = topology.node();
            deviceRow.bdf = device.bdf();
            deviceRow.vendorId = device.id().vendorId();
            deviceRow.deviceId = device.id().deviceId();
            deviceRow.classCode = device.id().classCode();
            deviceRow.iommuGroup = device.iommuGroup();
            deviceRow.resetSet = device.resetSet();
            deviceRow.kind = device.kind().name();
            deviceRow.assignable = device.assignable();
            deviceRow.vfioName = device.vfioName();
            entities.persist(deviceRow);
        }
        entities.createNativeQuery("update inventory_revision set revision = greatest(revision, :revision)")
                .setParameter("revision", revision).executeUpdate();
    }

    @Override
    @Transactional
    public void remove(String node) {
        entities.createNativeQuery("delete from nodes where node = :node").setParameter("node", node).executeUpdate();
    }

    @Override
    public long revision() {
        return ((Number) entities.createNativeQuery("select revision from inventory_revision").getSingleResult())
                .longValue();
    }

    @Override
    @Transactional
    public void recordAgentEndpoint(String node, String endpoint) {
        entities.createNativeQuery("update nodes set agent_endpoint = :endpoint where node = :node")
                .setParameter("endpoint", endpoint).setParameter("node", node).executeUpdate();
    }

    @Override
    public Optional<String> agentEndpoint(String node) {
        return Optional.ofNullable(entities.find(NodeRow.class, node)).map(row -> row.agentEndpoint);
    }

    private NodeTopology toDomain(NodeRow row) {
        List<TopologyDevice> devices = entities.createQuery(
                        "select d from NodeDeviceRow d where d.node = :node order by d.bdf", NodeDeviceRow.class)
                .setParameter("node", row.node)
                .getResultList().stream()
                .map(device -> new TopologyDevice(device.bdf,
                        new TopologyDevice.PciId(device.vendorId, device.deviceId, device.classCode),
                        device.iommuGroup, device.resetSet, TopologyDevice.Kind.valueOf(device.kind), device.assignable,
                        device.vfioName))
                .toList();
        return new NodeTopology(row.node, row.noiommuEnabled, row.live, devices);
    }
}
