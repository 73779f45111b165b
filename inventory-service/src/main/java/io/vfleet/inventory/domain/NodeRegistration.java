package io.vfleet.inventory.domain;

/**
 * What an agent sends when it starts and whenever its host changes: the whole node, not a delta, so that
 * registering again is harmless. Checked by {@link RegistrationRules} before anything is stored.
 */
public record NodeRegistration(String name, AgentInfo agent, KernelSettings kernel, Topology topology) {
}
