package io.vfleet.assignment.domain;

import java.util.Objects;

/**
 * Why an assignment was refused: which rule, which device, the values that broke it, and, when a
 * node's agent refused, what it said (its errno or its own reason; null otherwise).
 *
 * <p>{@link Rule} is the closed vocabulary of refusals; the web and gRPC edges translate it once
 * (a 409 with {@code violations}, or a status with ErrorInfo) and never invent another.
 */
public record Violation(Rule rule, String device, String detail, AgentAnswer agent) {

    /** Every reason an assignment can be refused. */
    public enum Rule {
        /**
         * The device already has an owner, is fenced for a reset, or awaits its scrub; or the node's
         * kernel found it open elsewhere (EBUSY).
         */
        DEVICE_BUSY,
        /** A multi-device IOMMU group was split between requests, tenants or IOAS. */
        GROUP_ISOLATION,
        /**
         * A hot reset would reach a device the resetting assignment does not hold and cannot fence: one
         * held by another assignment (the kernel resets a set only for one iommufd context, and every
         * assignment is a context of its own), one kept by a host driver, or one fenced by another reset.
         */
        RESET_SET,
        /** The tenant's device count or pinned-memory quota would be exceeded. */
        QUOTA,
        /** A noiommu device for a tenant or host that does not allow it. */
        NOIOMMU_NOT_ALLOWED,
        /** The node's agent cannot be reached, so nothing can be decided there. */
        NODE_UNREACHABLE,
        /** No device, or not enough devices, match the request on any eligible node. */
        NO_MATCHING_DEVICE,
        /**
         * The node's kernel denied the VMM the device (EPERM): its IOMMU group has another owner there,
         * its interrupts are not isolated, or a capability is missing.
         */
        NODE_DENIED,
        /**
         * The node refused what the rules allowed (EINVAL and other errnos, or the agent's own reason):
         * its state differs from what the service knows.
         */
        NODE_REFUSED,
        /** The node ran out of memory, IDs or files (ENOMEM, ENOSPC, EMFILE). */
        NODE_EXHAUSTED
    }

    public Violation {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(detail, "detail");
    }

    /** A violation of the service's own rules, with no agent involved. */
    public Violation(Rule rule, String device, String detail) {
        this(rule, device, detail, null);
    }
}
