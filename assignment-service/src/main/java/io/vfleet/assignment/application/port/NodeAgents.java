package io.vfleet.assignment.application.port;

import io.vfleet.assignment.domain.AgentAnswer;
import io.vfleet.assignment.domain.Preparation;
import java.util.List;
import java.util.Objects;

/**
 * The iommufd agents of the fleet, reached by node name. Every call is idempotent by assignment id
 * and carries its fencing ({@link FencingEpochs}): a fresh epoch and the node's controller term; none
 * may be made inside a database transaction.
 *
 * @see AgentUnreachable
 * @see AgentRefused
 */
public interface NodeAgents {

    record PrepareCall(String assignmentId, String tenant, List<String> devices, boolean withKvm, long epoch, long term) {

        /** A call of the node's first term. */
        public PrepareCall(String assignmentId, String tenant, List<String> devices, boolean withKvm, long epoch) {
            this(assignmentId, tenant, devices, withKvm, epoch, 0);
        }
    }

    /**
     * What a release asks of the agent.
     *
     * @param fenced free members of the assignment's reset sets this service fenced for the scrub: the
     *               agent resets a set without function resets as a whole when it may use them
     */
    record ReleaseCall(String assignmentId, boolean reset, long epoch, List<String> fenced, long term) {
        public ReleaseCall {
            fenced = List.copyOf(fenced);
        }

        /** A call of the node's first term. */
        public ReleaseCall(String assignmentId, boolean reset, long epoch, List<String> fenced) {
            this(assignmentId, reset, epoch, fenced, 0);
        }
    }

    /**
     * Devices reset by VFIO_DEVICE_RESET, devices without one reset with their whole set before the
     * VMM exited, and the ones left to the kernel's reset of their set once it is no longer open.
     */
    record Released(boolean released, List<String> functionReset, List<String> setReset, List<String> leftToSetReset) {
        public Released {
            functionReset = List.copyOf(functionReset);
            setReset = List.copyOf(setReset);
            leftToSetReset = List.copyOf(leftToSetReset);
        }
    }

    /**
     * What a hot reset asks of the agent.
     *
     * @param fenced the free members of the device's reset set this service fenced for the reset
     */
    record HotResetCall(String assignmentId, String device, long epoch, List<String> fenced, long term) {
        public HotResetCall {
            fenced = List.copyOf(fenced);
        }

        /** A call of the node's first term. */
        public HotResetCall(String assignmentId, String device, long epoch, List<String> fenced) {
            this(assignmentId, device, epoch, fenced, 0);
        }
    }

    /** An assignment the agent holds, as it reports it. */
    record Prepared(String assignmentId, String tenant, long epoch, Preparation preparation) {}

    Preparation prepare(String node, PrepareCall call);

    Released release(String node, ReleaseCall call);

    /** Every function the reset reached. */
    List<String> hotReset(String node, HotResetCall call);

    List<Prepared> listPrepared(String node);

    /** The node's agent could not be reached, or did not answer in time: the outcome is unknown. */
    final class AgentUnreachable extends RuntimeException {
        public AgentUnreachable(String node, Throwable cause) {
            super("the agent of node " + node + " cannot be reached: " + cause.getMessage(), cause);
        }
    }

    /**
     * Why an agent refused, as a closed set: the agent adapter translates what the wire says into one
     * of these, once, and the use cases decide what each means for their caller. The agent's own words
     * (the errno's name and number, or its own reason) travel along as an {@link AgentAnswer}.
     */
    enum Refusal {
        /** EBUSY: the device, or a member of its reset set, is open elsewhere. */
        BUSY,
        /** ENODEV, ENOENT, ENXIO, or the agent's UNKNOWN_DEVICE: not a vfio device of the node (any more). */
        NO_DEVICE,
        /**
         * EPERM, EACCES: the node's kernel denies it to the VMM: the device's IOMMU group has another
         * owner there (a host driver or a process outside vfleet), its interrupts are not isolated, or
         * the VMM lacks a capability.
         */
        DENIED,
        /**
         * EINVAL and every other errno of a call the kernel rejects as made: the node's state differs
         * from what this service believes (for a hot reset, a member of the set the context does not own).
         */
        INVALID,
        /** ENOMEM, ENOSPC, EMFILE: the node ran out of memory, IDs or files. */
        EXHAUSTED,
        /** STALE_EPOCH: a newer decision about the assignment, or a newer controller term of the node, reached the agent first. */
        STALE_EPOCH,
        /** NOT_FENCED: a hot reset reaches a member of the set that is neither the assignment's nor fenced. */
        NOT_FENCED,
        /** NOT_PREPARED: the agent holds nothing under the assignment's id. */
        NOT_PREPARED,
        /**
         * ASSIGNMENT_CONFLICT, INVALID_ORDER, DEVICE_NOT_IN_ASSIGNMENT: the agent found the call itself at
         * odds with what it holds; this service and the agent disagree.
         */
        ORDER_REJECTED,
        /** Any other answer: an agent speaking a newer contract, a refused credential, or a fault. */
        OTHER
    }

    /** The agent answered with a refusal: why, in the closed set, its own words, and the device concerned if any. */
    final class AgentRefused extends RuntimeException {
        private final Refusal refusal;
        private final AgentAnswer answer;
        private final String device;

        public AgentRefused(Refusal refusal, AgentAnswer answer, String device, String message) {
            super(message);
            this.refusal = Objects.requireNonNull(refusal, "refusal");
            this.answer = Objects.requireNonNull(answer, "answer");
            this.device = device;
        }

        public Refusal refusal() {
            return refusal;
        }

        public AgentAnswer answer() {
            return answer;
        }

        /** The device the agent named, or null. */
        public String device() {
            return device;
        }
    }
}
