package io.vfleet.security;

import java.util.Objects;

/**
 * Who is calling, as an application's edge authenticated them, the same for REST and gRPC: the
 * subject its credentials name (a token's {@code sub}, a certificate's identity), a role, for an
 * orchestrator possibly the one tenant it may act for, and for an agent the one node it is.
 *
 * <p>Invariants: an agent names its node and nothing else does; only an orchestrator is scoped to
 * a tenant. A tenant-scoped caller is told "not found" about other tenants' things, never
 * "forbidden", so it learns nothing about them.
 */
public record Caller(String subject, Role role, String tenant, String node) {

    public Caller {
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("an authenticated caller has a subject");
        }
        Objects.requireNonNull(role, "role");
        if ((role == Role.AGENT) != (node != null)) {
            throw new IllegalArgumentException("caller " + subject + ": an agent names its node, and only an agent does");
        }
        if (tenant != null && role != Role.ORCHESTRATOR) {
            throw new IllegalArgumentException("caller " + subject + ": only an orchestrator is scoped to a tenant");
        }
    }

    /** A person's or a scheduler's caller: {@code tenant} is null for every tenant. */
    public static Caller of(String subject, Role role, String tenant) {
        return new Caller(subject, role, tenant, null);
    }

    public static Caller agentOf(String node) {
        return new Caller("node/" + node, Role.AGENT, null, node);
    }

    public static Caller controller(String subject) {
        return new Caller(subject, Role.CONTROLLER, null, null);
    }

    /** An operator acting as the application itself, for tools and tests inside its JVM. */
    public static Caller operator() {
        return of("operator", Role.OPERATOR, null);
    }

    /** Who acted, as logs and the audit log name it: {@code <role>:<subject>}. */
    public String principal() {
        return role.claimValue() + ":" + subject;
    }

    /** Whether this caller may see what belongs to tenant {@code owner}. */
    public boolean sees(String owner) {
        return tenant == null || tenant.equals(owner);
    }

    public boolean is(Role... roles) {
        for (Role candidate : roles) {
            if (candidate == role) {
                return true;
            }
        }
        return false;
    }

    /** Refuses, naming this caller's role, unless it is one of {@code allowed}. */
    public void requireRole(Role... allowed) {
        if (!is(allowed)) {
            throw new AccessDenied("role " + role.claimValue() + " may not do this");
        }
    }

    /** Acting for node {@code nodeName} (registering it, heartbeating it) is for that node's agent alone. */
    public void requireAgentOf(String nodeName) {
        if (role != Role.AGENT) {
            throw new AccessDenied("caller " + subject + " has role " + role.claimValue()
                    + "; only a node's agent registers and heartbeats it");
        }
        if (!node.equals(nodeName)) {
            throw new AccessDenied("caller " + subject + " is the agent of node '" + node + "' and may not act for node '"
                    + nodeName + "'");
        }
    }

    /** Changing what belongs to tenant {@code owner}: not for auditors, and a scoped orchestrator only its own. */
    public void requireToChange(String owner) {
        if (role == Role.AUDITOR) {
            throw new AccessDenied("an auditor reads, it does not change assignments");
        }
        requireRole(Role.ORCHESTRATOR, Role.OPERATOR);
        if (!sees(owner)) {
            throw new AccessDenied("this caller acts for tenant " + tenant + " only");
        }
    }
}
