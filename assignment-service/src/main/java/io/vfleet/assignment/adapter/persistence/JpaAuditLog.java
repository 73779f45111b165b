package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditChain;
import io.vfleet.assignment.domain.AuditEvent;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Repository;

/**
 * The audit log in PostgreSQL. Appending locks {@code audit_head} until the commit, which gives the
 * chain one order across replicas; a trigger refuses every UPDATE and DELETE of an event.
 */
@Repository
class JpaAuditLog implements AuditLog {

    private static final int VERIFY_BATCH = 1_000;

    @PersistenceContext
    private EntityManager entities;

    @Override
    public AuditEvent append(AuditEvent event) {
        Object[] head = (Object[]) entities.createNativeQuery(
                "select sequence, hash from audit_head where id = 1 for update").getSingleResult();
        long sequence = ((Number) head[0]).longValue() + 1;
        String previous = (String) head[1];
        AuditEvent numbered = event.numbered(sequence, Instant.now().truncatedTo(ChronoUnit.MICROS));
        String hash = AuditChain.link(previous, numbered);
        AuditEventRow row = new AuditEventRow();
        row.sequence = sequence;
        row.at = numbered.at();
        row.kind = numbered.kind().name();
        row.tenant = numbered.tenant();
        row.node = numbered.node();
        row.devices = numbered.devices().toArray(String[]::new);
        row.assignmentId = numbered.assignmentId();
        row.detail = numbered.detail();
        row.previousHash = previous;
        row.hash = hash;
        entities.persist(row);
        entities.flush();
        entities.createNativeQuery("update audit_head set sequence = :sequence, hash = :hash where id = 1")
                .setParameter("sequence", sequence).setParameter("hash", hash).executeUpdate();
        return numbered;
    }

    @Override
    public Page<AuditEvent> search(Query query, Paging paging) {
        StringBuilder where = new StringBuilder(" where true");
        Map<String, Object> parameters = new HashMap<>();
        if (query.device() != null) {
            where.append(" and cast(:device as text) = any(devices)");
            parameters.put("device", query.device());
        }
        if (query.tenant() != null) {
            where.append(" and tenant = :tenant");
            parameters.put("tenant", query.tenant());
        }
        if (query.from() != null) {
            where.append(" and at >= :from");
            parameters.put("from", query.from());
        }
        if (query.to() != null) {
            where.append(" and at < :to");
            parameters.put("to", query.to());
        }
        jakarta.persistence.Query rows = entities.createNativeQuery(
                "select * from audit_events" + where + " order by sequence limit :limit offset :offset", AuditEventRow.class);
        jakarta.persistence.Query count = entities.createNativeQuery("select count(*) from audit_events" + where);
        parameters.forEach((name, value) -> {
            rows.setParameter(name, value);
            count.setParameter(name, value);
        });
        rows.setParameter("limit", paging.size()).setParameter("offset", paging.offset());
        List<AuditEvent> items = new ArrayList<>();
        for (Object row : rows.getResultList()) {
            items.add(toDomain((AuditEventRow) row));
        }
        return new Page<>(items, paging.page(), paging.size(), ((Number) count.getSingleResult()).longValue());
    }

    @Override
    public List<Owner> ownersAt(String device, String node, Instant at) {
        String sql = "select * from audit_events where kind = 'ASSIGNMENT_STATE' and cast(:device as text) = any(devices)"
                + " and at <= :at" + (node == null ? "" : " and node = :node") + " order by sequence desc";
        jakarta.persistence.Query query = entities.createNativeQuery(sql, AuditEventRow.class)
                .setParameter("device", device).setParameter("at", at);
        if (node != null) {
            query.setParameter("node", node);
        }
        Map<String, AuditEventRow> latestPerNode = new LinkedHashMap<>();
        for (Object row : query.getResultList()) {
            AuditEventRow event = (AuditEventRow) row;
            latestPerNode.putIfAbsent(event.node, event);
        }
        List<Owner> owners = new ArrayList<>();
        for (AuditEventRow latest : latestPerNode.values()) {
            if (stateOf(latest).holdsDevices()) {
                Instant since = (Instant) entities.createQuery(
                                "select min(e.at) from AuditEventRow e where e.assignmentId = :assignment", Instant.class)
                        .setParameter("assignment", latest.assignmentId).getSingleResult();
                owners.add(new Owner(latest.node, device, latest.tenant, latest.assignmentId, since));
            }
        }
        return owners;
    }

    @Override
    public Verification verify() {
        AuditChain.Verifier verifier = new AuditChain.Verifier();
        long after = 0;
        while (verifier.broken().isEmpty()) {
            List<AuditEventRow> batch = entities.createQuery(
                            "select e from AuditEventRow e where e.sequence > :after order by e.sequence", AuditEventRow.class)
                    .setParameter("after", after).setMaxResults(VERIFY_BATCH).getResultList();
            if (batch.isEmpty()) {
                break;
            }
            for (AuditEventRow row : batch) {
                if (!verifier.accept(toDomain(row), row.previousHash, row.hash)) {
                    break;
                }
                after = row.sequence;
            }
            entities.clear();
        }
        return new Verification(verifier.checked(), verifier.broken());
    }

    /** The state an ASSIGNMENT_STATE event records: the first word of its detail. */
    private static AssignmentState stateOf(AuditEventRow event) {
        int end = event.detail.indexOf(':');
        return AssignmentState.valueOf(end < 0 ? event.detail : event.detail.substring(0, end));
    }

    private static AuditEvent toDomain(AuditEventRow row) {
        return new AuditEvent(row.sequence, row.at, AuditEvent.Kind.valueOf(row.kind), row.tenant, row.node,
                List.of(row.devices), row.assignmentId, row.detail);
    }
}
