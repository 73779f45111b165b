package io.vfleet.assignment.adapter.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** A row of {@code quotas}: how much one tenant may hold at once. */
@Entity
@Table(name = "quotas")
class QuotaRow {

    @Id
    String tenant;

    @Column(name = "max_devices", nullable = false)
    int maxDevices;

    @Column(name = "max_pinned_bytes", nullable = false)
    long maxPinnedBytes;

    protected QuotaRow() {}
}
