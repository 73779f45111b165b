package io.vfleet.assignment.support;

import io.vfleet.assignment.application.port.Topologies;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** Empties the database and the fake agents before each test, and puts nodes n1 and n2 in the topology. */
public abstract class ServiceTestBase {

    @Autowired
    protected JdbcTemplate jdbc;

    @Autowired
    protected FakeNodeAgents agents;

    @Autowired
    protected Topologies topologies;

    @BeforeEach
    void emptyTheService() {
        jdbc.execute("""
                truncate assignment.audit_events, assignment.assignment_devices, assignment.assignments,
                         assignment.scrub_pending, assignment.tenant_ioas, assignment.fencing_epochs,
                         assignment.idempotency_keys, assignment.quotas, assignment.tenants,
                         assignment.node_devices, assignment.nodes
                """);
        jdbc.update("update assignment.audit_head set sequence = 0, hash = repeat('0', 64)");
        jdbc.update("update assignment.inventory_revision set revision = 0");
        agents.reset();
        topologies.replace(Fleet.node("n1"), 1);
        topologies.replace(Fleet.node("n2"), 2);
    }
}
