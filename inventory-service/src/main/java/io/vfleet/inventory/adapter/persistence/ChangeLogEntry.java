package io.vfleet.inventory.adapter.persistence;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** Row of {@code inventory.change_log}: one revision's changes as a JSON array. */
@Entity
@Table(name = "change_log")
class ChangeLogEntry {
    @Id
    long revision;

    String changes;
    Instant recordedAt;

    protected ChangeLogEntry() {
    }

    ChangeLogEntry(long revision, String changes, Instant recordedAt) {
        this.revision = revision;
        this.changes = changes;
        this.recordedAt = recordedAt;
    }
}
