package io.vfleet.inventory.adapter.persistence;

import io.vfleet.inventory.application.Nodes;
import io.vfleet.inventory.domain.DeviceFilter;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.NodeState;
import io.vfleet.inventory.domain.PageOf;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.TypedQuery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link Nodes} in PostgreSQL through JPA.
 *
 * <p>A node's lock is a transaction-scoped advisory lock on its name, taken before its row is read for
 * update: the row alone cannot lock a node that is not stored yet, and two first registrations of one
 * node must not both insert it.
 */
@Repository
class JpaNodes implements Nodes {
    private final EntityManager entityManager;
    private final NodeMapping mapping;

    JpaNodes(EntityManager entityManager, JsonMapper json) {
        this.entityManager = entityManager;
        this.mapping = new NodeMapping(json);
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<Node> lock(String name) {
        entityManager.createNativeQuery("SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(?1, 0))")
                .setParameter(1, name)
                .getSingleResult();
        return Optional.ofNullable(entityManager.find(NodeEntity.class, name, LockModeType.PESSIMISTIC_WRITE))
                .map(mapping::toNode);
    }

    @Override
    @Transactional(readOnly = true)
    public List<NodeDevice> devicesOf(String node) {
        return devicesEntitiesOf(node).values().stream().map(mapping::toNodeDevice).toList();
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public void save(Node node, List<NodeDevice> changedDevices) {
        NodeEntity entity = entityManager.find(NodeEntity.class, node.name());
        boolean newNode = entity == null;
        if (newNode) {
            entity = new NodeEntity(node.name());
            mapping.copy(node, entity);
            entityManager.persist(entity);
        } else {
            mapping.copy(node, entity);
        }
        if (changedDevices.isEmpty()) {
            return;
        }
        Map<String, DeviceEntity> stored = newNode ? Map.of() : devicesEntitiesOf(node.name());
        for (NodeDevice device : changedDevices) {
            DeviceEntity deviceEntity = stored.get(device.bdf());
            if (deviceEntity == null) {
                deviceEntity = new DeviceEntity(new DeviceEntity.Key(node.name(), device.bdf()));
                mapping.copy(device, deviceEntity);
                entityManager.persist(deviceEntity);
            } else {
                mapping.copy(device, deviceEntity);
            }
        }
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean recordHeartbeatOfReady(String name, Instant heartbeat) {
        return entityManager.createQuery("UPDATE NodeEntity n SET n.lastHeartbeat = :heartbeat"
                        + " WHERE n.name = :name AND n.state = :ready")
                .setParameter("heartbeat", heartbeat)
                .setParameter("name", name)
                .setParameter("ready", NodeState.READY)
                .executeUpdate() == 1;
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public List<Node> lockSilentSince(Instant heardBefore) {
        @SuppressWarnings("unchecked")
        List<NodeEntity> silent = entityManager.createNativeQuery("SELECT * FROM inventory.node"
                        + " WHERE state = 'READY' AND last_heartbeat < ?1 ORDER BY name FOR UPDATE SKIP LOCKED", NodeEntity.class)
                .setParameter(1, heardBefore)
                .getResultList();
        return silent.stream().map(mapping::toNode).toList();
    }

    @Override
    @Transactional(readOnly = true)
    public Optional<Node> find(String name) {
        return Optional.ofNullable(entityManager.find(NodeEntity.class, name)).map(mapping::toNode);
    }

    @Override
    @Transactional(readOnly = true)
    public PageOf<Node> list(int page, int size) {
        List<Node> nodes = entityManager.createQuery("SELECT n FROM NodeEntity n ORDER BY n.name", NodeEntity.class)
                .setFirstResult(page * size)
                .setMaxResults(size)
                .getResultList().stream().map(mapping::toNode).toList();
        long total = entityManager.createQuery("SELECT count(n) FROM NodeEntity n", Long.class).getSingleResult();
        return new PageOf<>(nodes, page, size, total);
    }

    @Override
    @Transactional(readOnly = true)
    public PageOf<NodeDevice> devices(DeviceFilter filter, int page, int size) {
        DeviceQuery query = DeviceQuery.of(filter);
        TypedQuery<DeviceEntity> select = entityManager.createQuery("SELECT d FROM DeviceEntity d" + query.where()
                + " ORDER BY d.key.nodeName, d.key.bdf", DeviceEntity.class);
        TypedQuery<Long> count = entityManager.createQuery("SELECT count(d) FROM DeviceEntity d" + query.where(), Long.class);
        query.parameters().forEach((parameter, value) -> {
            select.setParameter(parameter, value);
            count.setParameter(parameter, value);
        });
        List<NodeDevice> devices = select.setFirstResult(page * size).setMaxResults(size)
                .getResultList().stream().map(mapping::toNodeDevice).toList();
        return new PageOf<>(devices, page, size, count.getSingleResult());
    }

    @Override
    @Transactional(readOnly = true)
    public List<Node> all() {
        return entityManager.createQuery("SELECT n FROM NodeEntity n ORDER BY n.name", NodeEntity.class)
                .getResultList().stream().map(mapping::toNode).toList();
    }

    @Override
    @Transactional(readOnly = true)
    public List<NodeDevice> allDevices() {
        return entityManager.createQuery("SELECT d FROM DeviceEntity d ORDER BY d.key.nodeName, d.key.bdf", DeviceEntity.class)
                .getResultList().stream().map(mapping::toNodeDevice).toList();
    }

    @Override
    @Transactional(readOnly = true)
    public long count(NodeState state) {
        return entityManager.createQuery("SELECT count(n) FROM NodeEntity n WHERE n.state = :state", Long.class)
                .setParameter("state", state)
                .getSingleResult();
    }

    private Map<String, DeviceEntity> devicesEntitiesOf(String node) {
        Map<String, DeviceEntity> byBdf = new LinkedHashMap<>();
        entityManager.createQuery("SELECT d FROM DeviceEntity d WHERE d.key.nodeName = :node ORDER BY d.key.bdf", DeviceEntity.class)
                .setParameter("node", node)
                .getResultList()
                .forEach(entity -> byBdf.put(entity.key.bdf(), entity));
        return byBdf;
    }

    /** The WHERE clause of a device query and its parameters: fixed text, every value bound. */
    private record DeviceQuery(String where, Map<String, Object> parameters) {

        static DeviceQuery of(DeviceFilter filter) {
            List<String> conditions = new ArrayList<>();
            Map<String, Object> parameters = new HashMap<>();
            if (filter.node() != null) {
                conditions.add("d.key.nodeName = :node");
                parameters.put("node", filter.node());
            }
            if (filter.vendorId() != null) {
                conditions.add("d.vendorId = :vendorId");
                parameters.put("vendorId", filter.vendorId());
            }
            if (filter.deviceId() != null) {
                conditions.add("d.deviceId = :deviceId");
                parameters.put("deviceId", filter.deviceId());
            }
            if (filter.classCode() != null) {
                conditions.add("d.classCode BETWEEN :firstClass AND :lastClass");
                parameters.put("firstClass", filter.classCode().first());
                parameters.put("lastClass", filter.classCode().last());
            }
            if (filter.iommuGroup() != null) {
                conditions.add("d.iommuGroup = :iommuGroup");
                parameters.put("iommuGroup", filter.iommuGroup());
            }
            return new DeviceQuery(conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions), parameters);
        }
    }
}
