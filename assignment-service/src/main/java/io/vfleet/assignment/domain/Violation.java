package io.vfleet.assignment.domain;

import java.util.Objects;

/**
 * Why an assignment was refused: which rule, which device, and the values that broke it.
 *
 * <p>{@link Rule} is the closed vocabulary of refusals; the web and gRPC edges translate it once
 * (a 409 with {@code violations}, or a status with ErrorInfo) and never invent another.
 */
public record Violation(Rule rule, String device, String detail) {

    /** Every reason an assignment can be refused. */
    public enum Rule {
        /** The device already has an owner, is fenced for a reset, or awaits its scrub. */
        DEVICE_BUSY,
        /** A multi-device IOMMU group was split between requests, tenants or IOAS. */
        GROUP_ISOLATION,
        /** A hot reset would reach a device opened by another tenant. */
        RESET_SET,
        /** The tenant's device count or pinned-memory quota would be exceeded. */
        QUOTA,
        /** A noiommu device for a tenant or host that does not allow it. */
        NOIOMMU_NOT_ALLOWED,
        /** The node's agent cannot be reached, so nothing can be decided there. */
        NODE_UNREACHABLE,
        /** No device, or not enough devices, match the request on any eligible node. */
        NO_MATCHING_DEVICE
    }

    public Violation {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(detail, "detail");
    }
}
