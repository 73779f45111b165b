package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AuditEvent;

/**
 * Stores an assignment's new state together with its audit event, in the caller's transaction and in
 * one statement: every state change is an event, recorded with the principal that caused it.
 *
 * <p>Lock order in every transaction: the assignment's row, its device holds, the tenant's usage row,
 * then the node's fencing epoch. Taking them in another order lets two transactions deadlock. The
 * assignment's row comes first for a second reason: the change log orders one assignment's changes by
 * the transactions' ids, which follow the order they took that row. Appending an audit event takes no
 * lock another transaction waits for.
 */
final class Transitions {

    private final Assignments assignments;

    Transitions(Assignments assignments) {
        this.assignments = assignments;
    }

    Assignment store(Assignment changed, String principal) {
        return assignments.update(changed, AuditEvent.of(principal, AuditEvent.Kind.ASSIGNMENT_STATE, changed, describe(changed)));
    }

    static String describe(Assignment assignment) {
        return assignment.failureReason() == null
                ? assignment.state().name()
                : assignment.state().name() + ": " + assignment.failureReason();
    }
}
