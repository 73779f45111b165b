package io.vfleet.assignment.domain;

import java.util.Objects;

/**
 * Who keeps a device of a node from everyone else right now: the owning assignment, or a hot reset
 * that fenced a free member of its reset set for its duration.
 */
public record Hold(String bdf, String tenant, String assignmentId, Kind kind) {

    public enum Kind {
        /** Opened for an assignment: the device is the tenant's. */
        OWNER,
        /** Free, but reached by a running hot reset, so nobody may open it meanwhile. */
        FENCE
    }

    public Hold {
        Objects.requireNonNull(bdf, "bdf");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(assignmentId, "assignmentId");
        Objects.requireNonNull(kind, "kind");
    }

    public boolean isOpenedBy(String otherTenant) {
        return kind == Kind.OWNER && tenant.equals(otherTenant);
    }
}
