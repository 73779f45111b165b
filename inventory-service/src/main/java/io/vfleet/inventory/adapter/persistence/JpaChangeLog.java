package io.vfleet.inventory.adapter.persistence;

import io.vfleet.inventory.application.ChangeLog;
import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.ChangeType;
import io.vfleet.inventory.domain.Node;
import io.vfleet.inventory.domain.NodeDevice;
import io.vfleet.inventory.domain.Revision;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link ChangeLog} in PostgreSQL: the one row of {@code inventory.revision}, whose row lock orders the
 * writers, and the {@code inventory.change_log} table, each change's new state stored as JSON.
 */
@Repository
class JpaChangeLog implements ChangeLog {
    private final EntityManager entityManager;
    private final JsonMapper json;

    JpaChangeLog(EntityManager entityManager, JsonMapper json) {
        this.entityManager = entityManager;
        this.json = json;
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public Revision advance() {
        Number next = (Number) entityManager.createNativeQuery(
                        "UPDATE inventory.revision SET current = current + 1 WHERE id = 1 RETURNING current")
                .getSingleResult();
        return new Revision(next.longValue());
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public void append(List<Change> changes, Instant at) {
        for (int ordinal = 0; ordinal < changes.size(); ordinal++) {
            Change change = changes.get(ordinal);
            ChangeLogEntry entry = new ChangeLogEntry(new ChangeLogEntry.Key(change.revision().value(), ordinal), change.node());
            entry.type = change.type().name();
            entry.recordedAt = at;
            switch (change) {
                case Change.NodeChanged nodeChanged -> {
                    entry.kind = ChangeLogEntry.NODE;
                    entry.payload = json.writeValueAsString(nodeChanged.state());
                }
                case Change.DeviceChanged deviceChanged -> {
                    entry.kind = ChangeLogEntry.DEVICE;
                    entry.payload = json.writeValueAsString(deviceChanged.state());
                }
            }
            entityManager.persist(entry);
        }
    }

    @Override
    @Transactional(readOnly = true)
    public Revision current() {
        return new Revision(revisionColumn("current"));
    }

    @Override
    @Transactional(readOnly = true)
    public Revision oldestResumable() {
        return new Revision(revisionColumn("oldest_resumable"));
    }

    @Override
    @Transactional(readOnly = true)
    public List<Change> after(Revision from, int maxRevisions) {
        return entityManager.createQuery("SELECT e FROM ChangeLogEntry e WHERE e.key.revision > :from"
                        + " AND e.key.revision <= :to ORDER BY e.key.revision, e.key.ordinal", ChangeLogEntry.class)
                .setParameter("from", from.value())
                .setParameter("to", from.value() + maxRevisions)
                .getResultList().stream()
                .map(this::toChange)
                .toList();
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public long pruneRecordedBefore(Instant cutoff) {
        Number newest = (Number) entityManager.createNativeQuery(
                        "SELECT max(revision) FROM inventory.change_log WHERE recorded_at < ?1")
                .setParameter(1, cutoff)
                .getSingleResult();
        if (newest == null) {
            return 0;
        }
        // By revision, not by time: what stays must be every change after one revision, with no gap.
        int removed = entityManager.createNativeQuery("DELETE FROM inventory.change_log WHERE revision <= ?1")
                .setParameter(1, newest.longValue())
                .executeUpdate();
        entityManager.createNativeQuery(
                        "UPDATE inventory.revision SET oldest_resumable = greatest(oldest_resumable, ?1) WHERE id = 1")
                .setParameter(1, newest.longValue())
                .executeUpdate();
        return removed;
    }

    private long revisionColumn(String column) {
        return ((Number) entityManager.createNativeQuery("SELECT " + column + " FROM inventory.revision WHERE id = 1")
                .getSingleResult()).longValue();
    }

    private Change toChange(ChangeLogEntry entry) {
        ChangeType type = ChangeType.valueOf(entry.type);
        return switch (entry.kind) {
            case ChangeLogEntry.NODE -> new Change.NodeChanged(type, json.readValue(entry.payload, Node.class));
            case ChangeLogEntry.DEVICE -> new Change.DeviceChanged(type, json.readValue(entry.payload, NodeDevice.class));
            default -> throw new AssertionError("change_log.kind is checked to be NODE or DEVICE, got " + entry.kind);
        };
    }
}
