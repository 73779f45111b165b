package io.vfleet.inventory.domain;

/** What a caller of the inventory is, as its bearer token says. */
public enum Role {
    /** A node's agent: registers and heartbeats its own node only. */
    AGENT,
    /** A person running the fleet: reads everything, and may watch. */
    OPERATOR,
    /** A person reviewing the fleet: reads everything. */
    AUDITOR,
    /** A VM scheduler or the assignment service: reads everything, and watches. */
    ORCHESTRATOR
}
