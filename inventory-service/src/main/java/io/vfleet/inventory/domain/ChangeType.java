package io.vfleet.inventory.domain;

/** What happened to a node or device at a revision, as a watcher sees it. */
public enum ChangeType {
    ADDED,
    MODIFIED,
    /** A device missing from its node's latest registration; it stays listed with state {@code REMOVED}. */
    REMOVED
}
