package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Tenants, their quotas and their IOAS per node in PostgreSQL. */
@Repository
class JdbcTenants implements Tenants {

    private static final String POLICY = """
            select q.max_devices, q.max_pinned_bytes, t.noiommu_allowed
            from tenants t join quotas q on q.tenant = t.tenant where t.tenant = :tenant
            """;

    private final JdbcClient jdbc;

    JdbcTenants(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Override
    public Optional<TenantPolicy> find(String tenant) {
        // One statement: every assignment reads its tenant's policy.
        return jdbc.sql(POLICY).param("tenant", tenant)
                .query((row, number) -> new TenantPolicy(tenant, row.getInt("max_devices"), row.getLong("max_pinned_bytes"),
                        row.getBoolean("noiommu_allowed")))
                .optional();
    }

    @Override
    public TenantPolicy lock(String tenant) {
        TenantPolicy defaults = TenantPolicy.defaults(tenant);
        // A tenant nobody configured gets its rows on first use, so that there is a row to lock.
        jdbc.sql("insert into tenants (tenant, noiommu_allowed) values (:tenant, :noiommu) on conflict do nothing")
                .param("tenant", tenant).param("noiommu", defaults.noiommuAllowed()).update();
        jdbc.sql("""
                        insert into quotas (tenant, max_devices, max_pinned_bytes) values (:tenant, :devices, :bytes)
                        on conflict do nothing
                        """)
                .param("tenant", tenant)
                .param("devices", defaults.maxDevices())
                .param("bytes", defaults.maxPinnedBytes())
                .update();
        return jdbc.sql(POLICY + " for update of t").param("tenant", tenant)
                .query((row, number) -> new TenantPolicy(tenant, row.getInt("max_devices"), row.getLong("max_pinned_bytes"),
                        row.getBoolean("noiommu_allowed")))
                .single();
    }

    @Override
    public TenantPolicy save(TenantPolicy policy) {
        int tenants = jdbc.sql("update tenants set noiommu_allowed = :noiommu where tenant = :tenant")
                .param("tenant", policy.tenant()).param("noiommu", policy.noiommuAllowed()).update();
        int quotas = jdbc.sql("update quotas set max_devices = :devices, max_pinned_bytes = :bytes where tenant = :tenant")
                .param("tenant", policy.tenant())
                .param("devices", policy.maxDevices())
                .param("bytes", policy.maxPinnedBytes())
                .update();
        if (tenants != 1 || quotas != 1) {
            throw new AssertionError("a tenant is locked, which creates it, before it is saved");
        }
        return policy;
    }

    @Override
    public List<TenantIoas> ioas(String tenant) {
        return jdbc.sql("select node, ioas_id, hwpt_ids from tenant_ioas where tenant = :tenant order by node")
                .param("tenant", tenant)
                .query((row, number) -> {
                    String hwpts = row.getString("hwpt_ids");
                    List<Long> hwptIds = hwpts.isEmpty() ? List.of() : Arrays.stream(hwpts.split(",")).map(Long::valueOf).toList();
                    return new TenantIoas(tenant, row.getString("node"), row.getLong("ioas_id"), hwptIds);
                })
                .list();
    }

    @Override
    public void recordIoas(TenantIoas ioas) {
        jdbc.sql("""
                        insert into tenant_ioas (tenant, node, ioas_id, hwpt_ids) values (:tenant, :node, :ioas, :hwpts)
                        on conflict (tenant, node) do update
                            set ioas_id = excluded.ioas_id, hwpt_ids = excluded.hwpt_ids, updated_at = now()
                        """)
                .param("tenant", ioas.tenant())
                .param("node", ioas.node())
                .param("ioas", ioas.ioasId())
                .param("hwpts", String.join(",", ioas.hwptIds().stream().map(String::valueOf).toList()))
                .update();
    }
}
