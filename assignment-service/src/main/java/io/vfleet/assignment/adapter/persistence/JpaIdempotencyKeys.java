package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.IdempotencyKeys;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.Optional;
import org.springframework.stereotype.Repository;

/**
 * Idempotency keys in PostgreSQL, keyed by caller and key. The insert waits for a concurrent,
 * uncommitted claim of the same key, so of two simultaneous requests with one key the second sees
 * the first's assignment; a key past its lifetime is taken over by the claim, in the same statement.
 */
@Repository
class JpaIdempotencyKeys implements IdempotencyKeys {

    @PersistenceContext
    private EntityManager entities;

    private final String lifetime;

    JpaIdempotencyKeys(IdempotencyProperties properties) {
        this.lifetime = properties.keyLifetime().toMillis() + " milliseconds";
    }

    @Override
    public Optional<Earlier> claim(String caller, String key, String fingerprint, String assignmentId) {
        int claimed = entities.createNativeQuery("""
                        insert into idempotency_keys (caller, key, fingerprint, assignment_id)
                        values (:caller, :key, :fingerprint, :assignment)
                        on conflict (caller, key) do update
                            set fingerprint = excluded.fingerprint, assignment_id = excluded.assignment_id,
                                created_at = now()
                            where idempotency_keys.created_at < now() - cast(:lifetime as interval)
                        """)
                .setParameter("caller", caller)
                .setParameter("key", key)
                .setParameter("fingerprint", fingerprint)
                .setParameter("assignment", assignmentId)
                .setParameter("lifetime", lifetime)
                .executeUpdate();
        if (claimed == 1) {
            return Optional.empty();
        }
        Object[] earlier = (Object[]) entities.createNativeQuery(
                        "select fingerprint, assignment_id from idempotency_keys where caller = :caller and key = :key")
                .setParameter("caller", caller).setParameter("key", key).getSingleResult();
        return Optional.of(new Earlier((String) earlier[0], (String) earlier[1]));
    }

    @Override
    public int forgetExpired(int atMost) {
        return entities.createNativeQuery("""
                        delete from idempotency_keys where ctid in (
                            select ctid from idempotency_keys
                            where created_at < now() - cast(:lifetime as interval)
                            limit :atMost)
                        """)
                .setParameter("lifetime", lifetime).setParameter("atMost", atMost).executeUpdate();
    }
}
