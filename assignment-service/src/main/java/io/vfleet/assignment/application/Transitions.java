package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AuditEvent;

/**
 * Stores an assignment's new state together with its audit event, in the caller's transaction:
 * every state change is an event, recorded with the principal that caused it.
 *
 * <p>Lock order in every transaction: tenant row, assignment row, device holds, the node's fencing
 * epoch. Taking them in another order lets two transactions deadlock. Appending an audit event
 * takes no lock another transaction waits for.
 */
final class Transitions {

    private final Assignments assignments;
    private final AuditLog audit;

    Transitions(Assignments assignments, AuditLog audit) {
        this.assignments = assignments;
        this.audit = audit;
    }

    Assignment store(Assignment changed, String principal) {
        Assignment stored = assignments.update(changed);
        audit.append(AuditEvent.of(principal, AuditEvent.Kind.ASSIGNMENT_STATE, stored, describe(stored)));
        return stored;
    }

    static String describe(Assignment assignment) {
        return assignment.failureReason() == null
                ? assignment.state().name()
                : assignment.state().name() + ": " + assignment.failureReason();
    }
}
