package io.vfleet.assignment.adapter.agent;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where each node's agent listens, {@code vfleet.agents.endpoints.<node>=host:port}, and how long a
 * call may take before its outcome counts as unknown.
 *
 * @param token the bearer token every agent accepts from this service ({@code vfleet.agent.caller-tokens}
 *              on the agents); empty sends none, which only agents without caller tokens serve
 */
@ConfigurationProperties("vfleet.agents")
public record AgentEndpoints(Map<String, String> endpoints, Duration deadline, String token) {

    public AgentEndpoints {
        endpoints = endpoints == null ? Map.of() : Map.copyOf(endpoints);
        deadline = deadline == null ? Duration.ofSeconds(10) : deadline;
        token = token == null ? "" : token.strip();
    }
}
