package io.vfleet.assignment.support;

import javax.sql.DataSource;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.core.JdbcTemplate;

/** The service's schema as a test starts it: every table empty, the revisions at zero. */
public final class ServiceSchema {

    private ServiceSchema() {}

    /**
     * Empties it as the superuser, with triggers off: the service's own role may not touch the audit
     * tables. A sequencer linking in the middle of the truncation can deadlock with it: one of the two
     * is then chosen to give way, and when it is the truncation it is tried again.
     */
    public static void empty() {
        empty(AssignmentDatabase.superuser());
    }

    /** Empties it on the server {@code superuser} connects to, as {@link #empty()} does. */
    public static void empty(DataSource superuserConnections) {
        JdbcTemplate superuser = new JdbcTemplate(superuserConnections);
        for (int attempt = 1; ; attempt++) {
            try {
                superuser.execute("""
                        set session_replication_role = replica;
                        truncate assignment.audit_checkpoints, assignment.audit_tree, assignment.audit_log,
                                 assignment.audit_events, assignment.assignment_devices, assignment.assignments,
                                 assignment.scrub_pending, assignment.tenant_ioas, assignment.tenant_usage,
                                 assignment.assignment_changes, assignment.idempotency_keys, assignment.quotas,
                                 assignment.tenants, assignment.node_devices, assignment.nodes;
                        set session_replication_role = origin;
                        update assignment.inventory_revision set revision = 0;
                        update assignment.assignment_changes_kept set oldest_resumable = 0;
                        """);
                return;
            } catch (PessimisticLockingFailureException deadlock) {
                if (attempt == 5) {
                    throw deadlock;
                }
            }
        }
    }
}
