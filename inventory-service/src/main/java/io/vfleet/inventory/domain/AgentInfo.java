package io.vfleet.inventory.domain;

/**
 * How to reach a node's agent, and which build it runs.
 *
 * @param endpoint the agent's gRPC address ({@code host:port})
 */
public record AgentInfo(String endpoint, String version) {
}
