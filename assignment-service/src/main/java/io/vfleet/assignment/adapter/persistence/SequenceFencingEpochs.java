package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.FencingEpochs;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Fencing in PostgreSQL. Epochs come from the sequence {@code fencing_epoch}: never the same value twice
 * across replicas, and no row lock held until the commit, unlike a counter row per node. Each node's term
 * is kept with the process that holds it ({@code node_terms}), a process being this instance, named
 * afresh at every start: a restarted or another replica taking a node over is a change of hands.
 */
@Repository
class SequenceFencingEpochs implements FencingEpochs {

    private final String controller = UUID.randomUUID().toString();
    private final JdbcClient jdbc;

    SequenceFencingEpochs(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Fence fence(String node) {
        return jdbc.sql("select nextval('fencing_epoch') as epoch,"
                        + " coalesce((select term from node_terms where node = :node), 0) as term")
                .param("node", node)
                .query((row, number) -> new Fence(row.getLong("epoch"), row.getLong("term")))
                .single();
    }

    @Override
    public long next(String node) {
        return jdbc.sql("select nextval('fencing_epoch')").query(Long.class).single();
    }

    @Override
    public long term(String node) {
        return jdbc.sql("select term from node_terms where node = :node").param("node", node)
                .query(Long.class).optional().orElse(0L);
    }

    @Override
    public long takeControl(String node) {
        return jdbc.sql("""
                        insert into node_terms (node, term, controller) values (:node, 1, :controller)
                        on conflict (node) do update set term = node_terms.term + 1, controller = excluded.controller
                            where node_terms.controller <> excluded.controller
                        returning term
                        """)
                .param("node", node).param("controller", controller)
                .query(Long.class).optional().orElseGet(() -> term(node));
    }
}
