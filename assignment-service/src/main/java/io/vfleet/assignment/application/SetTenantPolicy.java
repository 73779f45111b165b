package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.TenantPolicy;
import java.time.Instant;
import java.util.List;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Sets a tenant's quotas and policy. A lower quota does not take devices away: it refuses new
 * assignments until the tenant's usage is under it again.
 */
public final class SetTenantPolicy {

    private final TransactionOperations transactions;
    private final Tenants tenants;
    private final AuditLog audit;

    public SetTenantPolicy(TransactionOperations transactions, Tenants tenants, AuditLog audit) {
        this.transactions = transactions;
        this.tenants = tenants;
        this.audit = audit;
    }

    public TenantPolicy set(Caller caller, TenantPolicy policy) {
        caller.requireRole(Role.OPERATOR);
        return transactions.execute(status -> {
            tenants.lock(policy.tenant());
            TenantPolicy saved = tenants.save(policy);
            audit.append(new AuditEvent(0, Instant.now(), caller.principal(), AuditEvent.Kind.TENANT_POLICY, policy.tenant(), null, List.of(),
                    null, "max devices " + saved.maxDevices() + ", max pinned bytes " + saved.maxPinnedBytes()
                            + ", noiommu " + (saved.noiommuAllowed() ? "allowed" : "not allowed")));
            return saved;
        });
    }
}
