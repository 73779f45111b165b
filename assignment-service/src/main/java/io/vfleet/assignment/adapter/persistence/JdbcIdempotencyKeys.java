package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.IdempotencyKeys;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Idempotency keys in PostgreSQL, keyed by caller and key. The insert waits for a concurrent,
 * uncommitted claim of the same key, so of two simultaneous requests with one key the second sees
 * the first's assignment; a key past its lifetime is taken over by the claim, in the same statement.
 */
@Repository
class JdbcIdempotencyKeys implements IdempotencyKeys {

    private final JdbcClient jdbc;
    private final String lifetime;

    JdbcIdempotencyKeys(JdbcClient jdbc, IdempotencyProperties properties) {
        this.jdbc = jdbc;
        this.lifetime = properties.keyLifetime().toMillis() + " milliseconds";
    }

    @Override
    public Optional<Earlier> claim(String caller, String key, String fingerprint, String assignmentId) {
        int claimed = jdbc.sql("""
                        insert into idempotency_keys (caller, key, fingerprint, assignment_id)
                        values (:caller, :key, :fingerprint, :assignment)
                        on conflict (caller, key) do update
                            set fingerprint = excluded.fingerprint, assignment_id = excluded.assignment_id,
                                created_at = now()
                            where idempotency_keys.created_at < now() - cast(:lifetime as interval)
                        """)
                .param("caller", caller)
                .param("key", key)
                .param("fingerprint", fingerprint)
                .param("assignment", assignmentId)
                .param("lifetime", lifetime)
                .update();
        if (claimed == 1) {
            return Optional.empty();
        }
        return Optional.of(jdbc.sql("select fingerprint, assignment_id from idempotency_keys where caller = :caller and key = :key")
                .param("caller", caller).param("key", key)
                .query((row, number) -> new Earlier(row.getString("fingerprint"), row.getString("assignment_id")))
                .single());
    }

    @Override
    public int forgetExpired(int atMost) {
        return jdbc.sql("""
                        delete from idempotency_keys where ctid in (
                            select ctid from idempotency_keys
                            where created_at < now() - cast(:lifetime as interval)
                            limit :atMost)
                        """)
                .param("lifetime", lifetime).param("atMost", atMost).update();
    }
}
