package io.vfleet.assignment.domain;

/** What a tenant holds now, across every node: devices of live assignments and pinned bytes. */
public record TenantUsage(int devices, long pinnedBytes) {

    public static final TenantUsage NONE = new TenantUsage(0, 0);
}
