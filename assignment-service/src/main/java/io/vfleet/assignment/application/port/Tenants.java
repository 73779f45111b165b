package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import java.util.List;
import java.util.Optional;

/** Tenants' quotas and policy, and their IOAS per node. */
public interface Tenants {

    Optional<TenantPolicy> find(String tenant);

    /**
     * The tenant's policy (the defaults for a tenant nobody configured), its row locked until the end
     * of the transaction, so that two requests of one tenant check its quota one after the other.
     */
    TenantPolicy lock(String tenant);

    TenantPolicy save(TenantPolicy policy);

    List<TenantIoas> ioas(String tenant);

    void recordIoas(TenantIoas ioas);
}
