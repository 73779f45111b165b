package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Repository;

/** Tenants, their quotas and their IOAS per node in PostgreSQL. */
@Repository
class JpaTenants implements Tenants {

    @PersistenceContext
    private EntityManager entities;

    @Override
    public Optional<TenantPolicy> find(String tenant) {
        // One statement: every assignment reads its tenant's policy.
        List<?> rows = entities.createNativeQuery("""
                        select q.max_devices, q.max_pinned_bytes, t.noiommu_allowed
                        from tenants t join quotas q on q.tenant = t.tenant where t.tenant = :tenant
                        """)
                .setParameter("tenant", tenant).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] columns = (Object[]) rows.getFirst();
        return Optional.of(new TenantPolicy(tenant, ((Number) columns[0]).intValue(), ((Number) columns[1]).longValue(),
                (Boolean) columns[2]));
    }

    @Override
    public TenantPolicy lock(String tenant) {
        TenantPolicy defaults = TenantPolicy.defaults(tenant);
        // A tenant nobody configured gets its row on first use, so that there is a row to lock.
        entities.createNativeQuery("""
                        insert into tenants (tenant, noiommu_allowed) values (:tenant, :noiommu) on conflict do nothing
                        """)
                .setParameter("tenant", tenant).setParameter("noiommu", defaults.noiommuAllowed()).executeUpdate();
        entities.createNativeQuery("""
                        insert into quotas (tenant, max_devices, max_pinned_bytes) values (:tenant, :devices, :bytes)
                        on conflict do nothing
                        """)
                .setParameter("tenant", tenant)
                .setParameter("devices", defaults.maxDevices())
                .setParameter("bytes", defaults.maxPinnedBytes())
                .executeUpdate();
        TenantRow row = entities.find(TenantRow.class, tenant, LockModeType.PESSIMISTIC_WRITE);
        QuotaRow quota = entities.find(QuotaRow.class, tenant);
        return new TenantPolicy(tenant, quota.maxDevices, quota.maxPinnedBytes, row.noiommuAllowed);
    }

    @Override
    public TenantPolicy save(TenantPolicy policy) {
        TenantRow row = entities.find(TenantRow.class, policy.tenant());
        QuotaRow quota = entities.find(QuotaRow.class, policy.tenant());
        if (row == null || quota == null) {
            throw new AssertionError("a tenant is locked, which creates it, before it is saved");
        }
        row.noiommuAllowed = policy.noiommuAllowed();
        quota.maxDevices = policy.maxDevices();
        quota.maxPinnedBytes = policy.maxPinnedBytes();
        entities.flush();
        return policy;
    }

    @Override
    public List<TenantIoas> ioas(String tenant) {
        List<?> rows = entities.createNativeQuery(
                        "select node, ioas_id, hwpt_ids from tenant_ioas where tenant = :tenant order by node")
                .setParameter("tenant", tenant).getResultList();
        return rows.stream().map(row -> {
            Object[] columns = (Object[]) row;
            String hwpts = (String) columns[2];
            List<Long> hwptIds = hwpts.isEmpty() ? List.of() : Arrays.stream(hwpts.split(",")).map(Long::valueOf).toList();
            return new TenantIoas(tenant, (String) columns[0], ((Number) columns[1]).longValue(), hwptIds);
        }).toList();
    }

    @Override
    public void recordIoas(TenantIoas ioas) {
        entities.createNativeQuery("""
                        insert into tenant_ioas (tenant, node, ioas_id, hwpt_ids) values (:tenant, :node, :ioas, :hwpts)
                        on conflict (tenant, node) do update
                            set ioas_id = excluded.ioas_id, hwpt_ids = excluded.hwpt_ids, updated_at = now()
                        """)
                .setParameter("tenant", ioas.tenant())
                .setParameter("node", ioas.node())
                .setParameter("ioas", ioas.ioasId())
                .setParameter("hwpts", String.join(",", ioas.hwptIds().stream().map(String::valueOf).toList()))
                .executeUpdate();
    }
}
