package io.vfleet.agent.inventory;

import io.vfleet.engine.topology.HostTopology;

/**
 * The inventory service as this agent needs it: where the node announces itself and its topology,
 * and keeps announcing that it is alive. The adapter for it arrives with the inventory service's
 * contract; until then the agent runs without registering. A failure is any runtime exception, and
 * is retried by {@link RegistrationLoop}.
 */
public interface InventoryRegistration {

    /** Registers the node, or registers it again with a changed topology; idempotent for the same topology. */
    void register(HostTopology topology);

    /** The node named {@code hostname} is alive; fails when the inventory no longer knows the node. */
    void heartbeat(String hostname);
}
