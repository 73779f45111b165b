package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.FencingEpochs;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Fencing epochs from the PostgreSQL sequence {@code fencing_epoch}: never the same value twice across
 * replicas, and no row lock held until the commit, unlike a counter row per node.
 */
@Repository
class SequenceFencingEpochs implements FencingEpochs {

    private final JdbcClient jdbc;

    SequenceFencingEpochs(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public long next(String node) {
        return jdbc.sql("select nextval('fencing_epoch')").query(Long.class).single();
    }
}
