package io.vfleet.assignment.support;

import java.util.List;

/** The service's schema as a test starts it: every table empty, the audit chain and the revisions at zero. */
public final class ServiceSchema {

    /** The statements that empty it. */
    public static final List<String> EMPTY = List.of("""
            truncate assignment.audit_events, assignment.assignment_devices, assignment.assignments,
                     assignment.scrub_pending, assignment.tenant_ioas, assignment.tenant_usage,
                     assignment.assignment_changes, assignment.idempotency_keys, assignment.quotas,
                     assignment.tenants, assignment.node_devices, assignment.nodes
            """,
            "update assignment.audit_head set sequence = 0, hash = repeat('0', 64)",
            "update assignment.inventory_revision set revision = 0",
            "update assignment.assignment_changes_kept set oldest_resumable = 0");

    private ServiceSchema() {}
}
