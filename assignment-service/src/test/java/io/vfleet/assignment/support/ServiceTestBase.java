package io.vfleet.assignment.support;

import io.vfleet.assignment.application.port.Topologies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.PessimisticLockingFailureException;
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

    @BeforeEach
    void emptyTheService() throws IOException {
        // As the superuser, with triggers off: the service's own role may not touch the audit tables.
        // A sequencer linking in the middle of the truncation can deadlock with it: one of the two is
        // then chosen to give way, and when it is the truncation it is tried again.
        JdbcTemplate superuser = new JdbcTemplate(AssignmentDatabase.superuser());
        for (int attempt = 1; ; attempt++) {
            try {
                superuser.execute("""
                        set session_replication_role = replica;
                        truncate assignment.audit_checkpoints, assignment.audit_tree, assignment.audit_log,
                                 assignment.audit_events, assignment.assignment_devices, assignment.assignments,
                                 assignment.scrub_pending, assignment.tenant_ioas, assignment.fencing_epochs,
                                 assignment.idempotency_keys, assignment.quotas, assignment.tenants,
                                 assignment.node_devices, assignment.nodes;
                        set session_replication_role = origin;
                        """);
                break;
            } catch (PessimisticLockingFailureException deadlock) {
                if (attempt == 5) {
                    throw deadlock;
                }
            }
        }
        jdbc.update("update assignment.inventory_revision set revision = 0");
        emptyDirectory(Path.of(ServiceTest.AUDIT, "checkpoints"));
        agents.reset();
        topologies.replace(Fleet.node("n1"), 1);
        topologies.replace(Fleet.node("n2"), 2);
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
