package io.vfleet.agent.vmm;

import io.vfleet.engine.Errno;
import io.vfleet.engine.KernelException;

/**
 * A node operation refused, either by the agent's own rules or by the kernel on one device. The
 * operation changed nothing (Prepare undoes what it did before it throws this).
 */
public final class AssignmentRefused extends RuntimeException {

    /** Why; each maps to one gRPC status at the edge. */
    public enum Reason {
        /** The call's epoch is older than one already seen for the assignment. */
        STALE_EPOCH,
        /** A field of the order is malformed (empty id, a BDF that does not parse, a duplicate device). */
        INVALID_ORDER,
        /** A device is not a vfio device of this host. */
        UNKNOWN_DEVICE,
        /** The assignment is prepared with other devices, tenant or KVM choice. */
        ASSIGNMENT_CONFLICT,
        /** Nothing is prepared under the assignment id. */
        NOT_PREPARED,
        /** The device is not one of the assignment's. */
        DEVICE_NOT_IN_ASSIGNMENT,
        /**
         * A hot reset would reach a member of the reset set that is neither the assignment's nor one
         * the caller fenced: the agent never takes a device it was not given.
         */
        NOT_FENCED,
        /** The kernel refused a call; {@link #errno()} says how. */
        KERNEL
    }

    private final Reason reason;
    private final String device;
    private final Errno errno;

    public AssignmentRefused(Reason reason, String device, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
        this.device = device;
        this.errno = null;
    }

    AssignmentRefused(String device, String step, KernelException cause) {
        super(step + (device.isEmpty() ? "" : " of " + device) + " failed: " + cause.getMessage(), cause, false, false);
        this.reason = Reason.KERNEL;
        this.device = device;
        this.errno = cause.errno();
    }

    public Reason reason() {
        return reason;
    }

    /** The device concerned, or empty. */
    public String device() {
        return device;
    }

    /** The kernel's errno when {@link #reason()} is KERNEL, else null. */
    public Errno errno() {
        return errno;
    }
}
