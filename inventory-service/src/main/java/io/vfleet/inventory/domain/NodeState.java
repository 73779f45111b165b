package io.vfleet.inventory.domain;

/** Whether a node's agent is heard from: only a {@code READY} node's devices can be handed out. */
public enum NodeState {
    /** Registered, and heartbeating within the liveness timeout. */
    READY,
    /**
     * Missed heartbeats for longer than the liveness timeout. Its devices stay in the inventory, since
     * tenants may still own them, but are unavailable for new assignments until the agent heartbeats again.
     */
    UNREACHABLE
}
