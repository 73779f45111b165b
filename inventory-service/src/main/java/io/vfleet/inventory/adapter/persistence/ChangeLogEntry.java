package io.vfleet.inventory.adapter.persistence;

import jakarta.persistence.Embeddable;
import jakarta.persistence.EmbeddedId;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/** Row of {@code inventory.change_log}: one change, its new state as JSON in {@code payload}. */
@Entity
@Table(name = "change_log")
class ChangeLogEntry {
    static final String NODE = "NODE";
    static final String DEVICE = "DEVICE";

    @EmbeddedId
    Key key;

    String nodeName;
    String kind;
    String type;
    String payload;
    Instant recordedAt;

    protected ChangeLogEntry() {
    }

    ChangeLogEntry(Key key, String nodeName) {
        this.key = key;
        this.nodeName = nodeName;
    }

    @Embeddable
    record Key(long revision, int ordinal) {
    }
}
