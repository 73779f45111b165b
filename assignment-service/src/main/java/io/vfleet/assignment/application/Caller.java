package io.vfleet.assignment.application;

import java.util.Objects;

/**
 * Who is calling, as the edge authenticated them: the principal (the name its credentials carry),
 * a role, and for an orchestrator possibly the one tenant it may act for.
 *
 * <p>A tenant-scoped caller is told "not found" about other tenants' assignments, never "forbidden",
 * so it learns nothing about them.
 */
public record Caller(String principal, Role role, String tenant) {

    public enum Role {
        /** A VM scheduler: assigns, releases and resets devices. */
        ORCHESTRATOR,
        /** Runs the fleet: everything an orchestrator does, and tenants' quotas and policy. */
        OPERATOR,
        /** Reads: assignments, tenants and the audit log. */
        AUDITOR
    }

    public Caller {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(role, "role");
    }

    /** An operator acting as the service itself, for tests and tools in this JVM. */
    public static Caller operator() {
        return new Caller("operator", Role.OPERATOR, null);
    }

    /** Whether this caller may see what belongs to {@code owner}. */
    public boolean sees(String owner) {
        return tenant == null || tenant.equals(owner);
    }

    void requireToChange(String owner) {
        if (role == Role.AUDITOR) {
            throw new AccessDenied("an auditor reads, it does not change assignments");
        }
        if (!sees(owner)) {
            throw new AccessDenied("this caller acts for tenant " + tenant + " only");
        }
    }

    void requireRole(Role... allowed) {
        for (Role candidate : allowed) {
            if (candidate == role) {
                return;
            }
        }
        throw new AccessDenied("role " + role.name().toLowerCase(java.util.Locale.ROOT) + " may not do this");
    }
}
