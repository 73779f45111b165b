package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TenantUsage;
import java.util.List;
import org.springframework.transaction.support.TransactionOperations;

/** A tenant's policy (the defaults if never set), its usage, and its IOAS on each node. */
public final class ShowTenant {

    private final TransactionOperations transactions;
    private final Tenants tenants;
    private final Assignments assignments;

    public record View(TenantPolicy policy, TenantUsage usage, List<TenantIoas> ioas) {}

    public ShowTenant(TransactionOperations transactions, Tenants tenants, Assignments assignments) {
        this.transactions = transactions;
        this.tenants = tenants;
        this.assignments = assignments;
    }

    public View show(Caller caller, String tenant) {
        if (!caller.sees(tenant)) {
            throw new NotFound("no tenant " + tenant);
        }
        return transactions.execute(status -> new View(
                tenants.find(tenant).orElseGet(() -> TenantPolicy.defaults(tenant)),
                assignments.usage(tenant),
                tenants.ioas(tenant)));
    }
}
