package io.vfleet.assignment.support;

import io.vfleet.assignment.application.FollowChanges;
import io.vfleet.assignment.application.port.Topologies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Empties the database, the audit checkpoint directory and the fake agents before each test, and
 * puts nodes n1 and n2 in the topology.
 */
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
    void emptyTheService() throws IOException {
        ServiceSchema.empty();
        emptyDirectory(Path.of(ServiceTest.AUDIT, "checkpoints"));
        agents.reset();
        follow.load();
        // At revision 0: whatever an inventory in the test says later is newer.
        topologies.replace(Fleet.node("n1"), 0);
        topologies.replace(Fleet.node("n2"), 0);
    }

    private static void emptyDirectory(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Files.delete(file);
            }
        }
    }
}
