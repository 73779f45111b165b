package io.vfleet.assignment.adapter.web.dashboard;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.Topologies;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A deliberate violation for DependencyWhitelistTest: the dashboard reading the ports in a transaction of
 * its own, as it once did, instead of asking the fleet query use case.
 */
public final class DashboardOpeningTransactions {
    private final TransactionTemplate transactions;
    private final Topologies topologies;
    private final Assignments assignments;

    DashboardOpeningTransactions(TransactionTemplate transactions, Topologies topologies, Assignments assignments) {
        this.transactions = transactions;
        this.topologies = topologies;
        this.assignments = assignments;
    }

    int nodes() {
        Integer nodes = transactions.execute(status -> topologies.all().size());
        return nodes == null ? 0 : nodes;
    }

    Assignments assignments() {
        return assignments;
    }
}
