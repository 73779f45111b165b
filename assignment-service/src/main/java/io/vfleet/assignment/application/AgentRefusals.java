package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.Violation;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an agent's refusal means for the caller, in one place for every use case: each reason of the
 * closed set {@link NodeAgents.Refusal} becomes a refusal rule of the assignment (a 409 with its
 * violation) or a conflict, and the agent's own words (errno name and number, or its reason) are kept
 * in the answer. Only EBUSY is DEVICE_BUSY.
 *
 * <p>The caller is told what the service can vouch for, never the agent's text: the agent serves the
 * controller alone and may name other assignments on its node. That text goes to the log.
 */
final class AgentRefusals {

    private static final Logger log = LoggerFactory.getLogger(AgentRefusals.class);

    /** What the service asked the agent to do. */
    enum Operation {
        PREPARE("prepare it"),
        HOT_RESET("hot reset the set"),
        RELEASE("release it");

        private final String what;

        Operation(String what) {
            this.what = what;
        }
    }

    private AgentRefusals() {}

    /**
     * The exception to answer {@code refused} with: an {@link AssignmentRefused} naming the device the
     * agent named (or {@code device}), or a {@link Conflict}.
     */
    static RuntimeException outcome(Operation operation, NodeAgents.AgentRefused refused, String assignmentId,
            String node, String device) {
        log.atInfo().log(() -> "the agent of node " + node + " refused to " + operation.what + " for assignment " + assignmentId
                + ": " + refused.answer() + " " + refused.getMessage());
        String concerned = refused.device() == null ? device : refused.device();
        String detail = "the agent of node " + node + " refused to " + operation.what + ": " + explanation(operation, refused)
                + " (" + refused.answer() + ")";
        if (refused.refusal() == NodeAgents.Refusal.STALE_EPOCH) {
            return new Conflict(Conflict.Reason.SUPERSEDED, "a newer decision about assignment " + assignmentId
                    + ", or a controller that took node " + node + " over since, reached its agent first (" + refused.answer() + ")", refused.answer());
        }
        if (operation == Operation.RELEASE || (operation == Operation.HOT_RESET
                && refused.refusal() == NodeAgents.Refusal.NOT_PREPARED)) {
            return new Conflict(Conflict.Reason.AGENT_REFUSED, detail, refused.answer());
        }
        return new AssignmentRefused(List.of(new Violation(rule(operation, refused.refusal()), concerned, detail,
                refused.answer())), assignmentId);
    }

    private static Violation.Rule rule(Operation operation, NodeAgents.Refusal refusal) {
        boolean reset = operation == Operation.HOT_RESET;
        return switch (refusal) {
            case BUSY -> Violation.Rule.DEVICE_BUSY;
            case NO_DEVICE -> reset ? Violation.Rule.RESET_SET : Violation.Rule.NO_MATCHING_DEVICE;
            case DENIED -> Violation.Rule.NODE_DENIED;
            case INVALID, NOT_FENCED -> reset ? Violation.Rule.RESET_SET : Violation.Rule.NODE_REFUSED;
            case EXHAUSTED -> Violation.Rule.NODE_EXHAUSTED;
            case STALE_EPOCH, NOT_PREPARED, ORDER_REJECTED, OTHER -> Violation.Rule.NODE_REFUSED;
        };
    }

    private static String explanation(Operation operation, NodeAgents.AgentRefused refused) {
        return switch (refused.refusal()) {
            case BUSY -> "the device is open elsewhere on the node";
            case NO_DEVICE -> operation == Operation.HOT_RESET
                    ? "the set has a member that is not a vfio device there, or no slot or bus reset"
                    : "the node has no such vfio device";
            case DENIED -> "its kernel denies the device to the VM's process: the device's IOMMU group has another owner"
                    + " there, its interrupts are not isolated, or a capability is missing";
            case INVALID -> operation == Operation.HOT_RESET
                    ? "its kernel resets a set only when every member is bound to vfio-pci and to the assignment's iommufd"
                    : "its kernel rejected the call: the node's state differs from what the service knows";
            case EXHAUSTED -> "the node ran out of memory, IDs or files";
            case STALE_EPOCH -> "a newer decision about the assignment, or a newer controller of the node, reached it first";
            case NOT_FENCED -> "a member of the set is neither the assignment's nor fenced for the reset";
            case NOT_PREPARED -> "it holds nothing for the assignment; reconciliation settles it";
            case ORDER_REJECTED -> "its record of the assignment disagrees with the service's";
            case OTHER -> "it answered in a way this service does not know";
        };
    }
}
