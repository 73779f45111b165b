package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.FencingEpochs;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Repository;

/**
 * Fencing in PostgreSQL: one upsert per epoch, so replicas never hand out the same value; and per node
 * the term with the process that holds it ({@code node_terms}), a process being this instance, named
 * afresh at every start: a restarted or another replica taking a node over is a change of hands.
 */
@Repository
class JpaFencingEpochs implements FencingEpochs {

    private final String controller = UUID.randomUUID().toString();

    @PersistenceContext
    private EntityManager entities;

    @Override
    public long next(String node) {
        return ((Number) entities.createNativeQuery("""
                        insert into fencing_epochs (node, epoch) values (:node, 1)
                        on conflict (node) do update set epoch = fencing_epochs.epoch + 1
                        returning epoch
                        """)
                .setParameter("node", node).getSingleResult()).longValue();
    }

    @Override
    public long term(String node) {
        List<?> term = entities.createNativeQuery("select term from node_terms where node = :node")
                .setParameter("node", node).getResultList();
        return term.isEmpty() ? 0 : ((Number) term.getFirst()).longValue();
    }

    @Override
    public long takeControl(String node) {
        List<?> taken = entities.createNativeQuery("""
                        insert into node_terms (node, term, controller) values (:node, 1, :controller)
                        on conflict (node) do update set term = node_terms.term + 1, controller = excluded.controller
                            where node_terms.controller <> excluded.controller
                        returning term
                        """)
                .setParameter("node", node).setParameter("controller", controller).getResultList();
        return taken.isEmpty() ? term(node) : ((Number) taken.getFirst()).longValue();
    }
}
