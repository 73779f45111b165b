package io.vfleet.assignment.domain;

import java.util.Objects;

/**
 * A tenant's quotas and policy: how many devices and how many pinned bytes it may hold at once,
 * and whether it may have noiommu devices (untranslated DMA, so only for trusted tenants).
 */
public record TenantPolicy(String tenant, int maxDevices, long maxPinnedBytes, boolean noiommuAllowed) {

    /** What a tenant that no operator has configured may hold. */
    public static final int DEFAULT_MAX_DEVICES = 8;

    public static final long DEFAULT_MAX_PINNED_BYTES = 1L << 40;

    public TenantPolicy {
        Objects.requireNonNull(tenant, "tenant");
        if (maxDevices < 0) {
            throw new IllegalArgumentException("maxDevices must not be negative, was " + maxDevices);
        }
        if (maxPinnedBytes < 0) {
            throw new IllegalArgumentException("maxPinnedBytes must not be negative, was " + maxPinnedBytes);
        }
    }

    public static TenantPolicy defaults(String tenant) {
        return new TenantPolicy(tenant, DEFAULT_MAX_DEVICES, DEFAULT_MAX_PINNED_BYTES, false);
    }
}
