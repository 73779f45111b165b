package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.FencingEpochs;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import org.springframework.stereotype.Repository;

/** Fencing epochs in PostgreSQL: one upsert per call, so replicas never hand out the same value. */
@Repository
class JpaFencingEpochs implements FencingEpochs {

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
}
