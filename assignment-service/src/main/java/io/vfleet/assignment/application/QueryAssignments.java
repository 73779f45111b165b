package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.Assignment;
import org.springframework.transaction.support.TransactionOperations;

/** Reads assignments, each caller seeing only what its scope allows. */
public final class QueryAssignments {

    private final TransactionOperations transactions;
    private final Assignments assignments;

    public QueryAssignments(TransactionOperations transactions, Assignments assignments) {
        this.transactions = transactions;
        this.assignments = assignments;
    }

    public Assignment get(Caller caller, String id) {
        return transactions.execute(status -> assignments.find(id))
                .filter(found -> caller.sees(found.tenant()))
                .orElseThrow(() -> new NotFound("no assignment " + id));
    }

    public Page<Assignment> list(Caller caller, Assignments.Filter filter, Paging paging) {
        Assignments.Filter scoped = filter;
        if (caller.tenant() != null) {
            if (filter.tenant() != null && !filter.tenant().equals(caller.tenant())) {
                return new Page<>(java.util.List.of(), paging.page(), paging.size(), 0);
            }
            scoped = new Assignments.Filter(caller.tenant(), filter.node(), filter.state());
        }
        Assignments.Filter effective = scoped;
        return transactions.execute(status -> assignments.list(effective, paging));
    }
}
