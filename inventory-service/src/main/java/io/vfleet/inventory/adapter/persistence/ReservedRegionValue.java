package io.vfleet.inventory.adapter.persistence;

import jakarta.persistence.Embeddable;

/** Row of {@code inventory.reserved_region}. */
@Embeddable
class ReservedRegionValue {
    long start;
    long last;
    String type;

    protected ReservedRegionValue() {
    }

    ReservedRegionValue(long start, long last, String type) {
        this.start = start;
        this.last = last;
        this.type = type;
    }
}
