package io.vfleet.inventory.domain;

/** Whether a device is still reported by its node's agent. */
public enum DeviceState {
    /** In the node's latest registration. */
    PRESENT,
    /**
     * Missing from the node's latest registration. Kept and reported, never deleted: a tenant may still
     * own it, and the assignment service must learn it is gone.
     */
    REMOVED
}
