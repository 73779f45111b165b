package io.vfleet.inventory.domain;

import java.util.Objects;

/**
 * Who is calling, as established from a bearer token, and the rules of what each role may do.
 *
 * <p>Invariant: an agent is scoped to exactly one node; no other role is.
 *
 * @param node   for an agent, the one node it may register and heartbeat
 * @param tenant for an orchestrator acting for one tenant, that tenant; else null. Nodes and devices are
 *               not tenants' own, so the inventory shows them to every tenant alike
 */
public record Caller(String name, Role role, String node, String tenant) {

    public Caller {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(role, "role");
        if ((role == Role.AGENT) != (node != null)) {
            throw new IllegalArgumentException("caller " + name + ": an agent names its node, and only an agent does");
        }
    }

    /** Registering and heartbeating are for agents. */
    public void requireAgent() {
        if (role != Role.AGENT) {
            throw new AccessDenied("caller " + name + " has role " + role.name().toLowerCase()
                    + "; only a node's agent registers and heartbeats it");
        }
    }

    /** Registering or heartbeating {@code nodeName} is for the agent of that node alone. */
    public void requireAgentOf(String nodeName) {
        requireAgent();
        if (!node.equals(nodeName)) {
            throw new AccessDenied("caller " + name + " is the agent of node '" + node + "' and may not act for node '"
                    + nodeName + "'");
        }
    }

    /** Following every change is for the services that place devices and the people running them. */
    public void requireWatcher() {
        if (role != Role.ORCHESTRATOR && role != Role.OPERATOR) {
            throw new AccessDenied("caller " + name + " has role " + role.name().toLowerCase()
                    + "; watching the inventory needs role orchestrator or operator");
        }
    }
}
