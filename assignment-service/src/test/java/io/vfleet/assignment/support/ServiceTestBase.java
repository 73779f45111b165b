package io.vfleet.assignment.support;

import io.vfleet.assignment.application.FollowChanges;
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

    @Autowired
    protected FollowChanges follow;

    @BeforeEach
    void emptyTheService() {
        ServiceSchema.EMPTY.forEach(jdbc::execute);
        agents.reset();
        follow.load();
        // At revision 0: whatever an inventory in the test says later is newer.
        topologies.replace(Fleet.node("n1"), 0);
        topologies.replace(Fleet.node("n2"), 0);
    }
}
