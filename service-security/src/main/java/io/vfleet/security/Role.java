package io.vfleet.security;

import java.util.Locale;

/**
 * What a caller of a vfleet application is. People and schedulers ({@link #ORCHESTRATOR},
 * {@link #OPERATOR}, {@link #AUDITOR}) prove it with an OAuth2 access token whose claims name the role;
 * the fleet's own processes ({@link #AGENT}, {@link #CONTROLLER}) with their TLS certificate.
 */
public enum Role {
    /** A VM scheduler: assigns, releases and resets devices, possibly for one tenant only. */
    ORCHESTRATOR,
    /** Runs the fleet: everything an orchestrator does, tenants' quotas and policy, and the metrics. */
    OPERATOR,
    /** Reads: assignments, tenants, the inventory, the audit log and the metrics. */
    AUDITOR,
    /** A node's agent: registers and heartbeats its own node, and nothing else. */
    AGENT,
    /** The assignment service: drives the agents' NodeAgent and follows the inventory. */
    CONTROLLER;

    /** The name configuration and claims use: {@code orchestrator}. */
    public String claimValue() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The role {@code value} names, ignoring case; null when it names none. */
    public static Role fromClaim(String value) {
        for (Role role : values()) {
            if (role.claimValue().equalsIgnoreCase(value == null ? "" : value.strip())) {
                return role;
            }
        }
        return null;
    }
}
