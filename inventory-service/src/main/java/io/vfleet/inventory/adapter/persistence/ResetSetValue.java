package io.vfleet.inventory.adapter.persistence;

import jakarta.persistence.Embeddable;

/** Row of {@code inventory.reset_set}. */
@Embeddable
class ResetSetValue {
    String key;
    String[] members;

    protected ResetSetValue() {
    }

    ResetSetValue(String key, String[] members) {
        this.key = key;
        this.members = members;
    }
}
