package io.vfleet.assignment.application;

import java.util.Objects;

/**
 * Who is calling, as the edge authenticated them: a role, for an orchestrator possibly the one
 * tenant it may act for, and the subject the credentials name (a token's name today).
 *
 * <p>A tenant-scoped caller is told "not found" about other tenants' assignments, never "forbidden",
 * so it learns nothing about them.
 */
public record Caller(Role role, String tenant, String subject) {

    public enum Role {
        /** A VM scheduler: assigns, releases and resets devices. */
        ORCHESTRATOR,
        /** Runs the fleet: everything an orchestrator does, and tenants' quotas and policy. */
        OPERATOR,
        /** Reads: assignments, tenants and the audit log. */
        AUDITOR
    }

    public Caller {
        Objects.requireNonNull(role, "role");
        if (subject == null || subject.isBlank()) {
            throw new IllegalArgumentException("an authenticated caller has a subject");
        }
    }

    /** A caller known by its role and scope alone, named after them. */
    public Caller(Role role, String tenant) {
        this(role, tenant, role.name().toLowerCase(java.util.Locale.ROOT) + (tenant == null ? "" : "@" + tenant));
    }

    public static Caller operator() {
        return new Caller(Role.OPERATOR, null);
    }

    /** Who caused what this caller does, as the audit log records it: {@code <role>:<subject>}. */
    public String principal() {
        return role.name().toLowerCase(java.util.Locale.ROOT) + ":" + subject;
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
