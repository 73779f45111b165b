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
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@link ChangeLog} in PostgreSQL: the one row of {@code inventory.revision}, whose row lock orders the
 * writers, and the {@code inventory.change_log} table, a row per revision with its changes as JSON: one
 * insert per writer, however many devices it changed.
 */
@Repository
class JpaChangeLog implements ChangeLog {
    private static final TypeReference<List<LoggedChange>> LOGGED_CHANGES = new TypeReference<>() {
    };

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
        if (changes.isEmpty()) {
            throw new AssertionError("a revision holds at least one change");
        }
        long revision = changes.getFirst().revision().value();
        List<LoggedChange> logged = changes.stream().map(change -> {
            if (change.revision().value() != revision) {
                throw new AssertionError("one append is one revision, but it holds " + revision + " and " + change.revision());
            }
            return switch (change) {
                case Change.NodeChanged nodeChanged -> new LoggedChange(change.type(), nodeChanged.state(), null);
                case Change.DeviceChanged deviceChanged -> new LoggedChange(change.type(), null, deviceChanged.state());
            };
        }).toList();
        entityManager.persist(new ChangeLogEntry(revision, json.writeValueAsString(logged), at));
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
        return entityManager.createQuery("SELECT e FROM ChangeLogEntry e WHERE e.revision > :from"
                        + " AND e.revision <= :to ORDER BY e.revision", ChangeLogEntry.class)
                .setParameter("from", from.value())
                .setParameter("to", from.value() + maxRevisions)
                .getResultList().stream()
                .flatMap(entry -> json.readValue(entry.changes, LOGGED_CHANGES).stream())
                .map(LoggedChange::toChange)
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

    /** One change as the log stores it: exactly one of {@code node} and {@code device} is set. */
    record LoggedChange(ChangeType type, Node node, NodeDevice device) {

        Change toChange() {
            if ((node == null) == (device == null)) {
                throw new AssertionError("a logged change is of a node or of a device: " + this);
            }
            return node != null ? new Change.NodeChanged(type, node) : new Change.DeviceChanged(type, device);
        }
    }
}
