package io.vfleet.assignment.adapter.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of {@code tenants}: the tenant and its policy; its quotas are a {@link QuotaRow}. */
@Entity
@Table(name = "tenants")
class TenantRow {

    @Id
    String tenant;

    @Column(name = "noiommu_allowed", nullable = false)
    boolean noiommuAllowed;

    protected TenantRow() {}
}
