package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.IdempotencyKeys;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.Optional;
import org.springframework.stereotype.Repository;

/**
 * Idempotency keys in PostgreSQL. The insert waits for a concurrent, uncommitted claim of the same
 * key, so of two simultaneous requests with one key the second sees the first's assignment.
 */
@Repository
class JpaIdempotencyKeys implements IdempotencyKeys {

    @PersistenceContext
    private EntityManager entities;

    @Override
    public Optional<Earlier> claim(String key, String fingerprint, String assignmentId) {
        int inserted = entities.createNativeQuery("""
                        insert into idempotency_keys (key, fingerprint, assignment_id)
                        values (:key, :fingerprint, :assignment) on conflict do nothing
                        """)
                .setParameter("key", key)
                .setParameter("fingerprint", fingerprint)
                .setParameter("assignment", assignmentId)
                .executeUpdate();
        if (inserted == 1) {
            return Optional.empty();
        }
        Object[] earlier = (Object[]) entities.createNativeQuery(
                        "select fingerprint, assignment_id from idempotency_keys where key = :key")
                .setParameter("key", key).getSingleResult();
        return Optional.of(new Earlier((String) earlier[0], (String) earlier[1]));
    }
}
