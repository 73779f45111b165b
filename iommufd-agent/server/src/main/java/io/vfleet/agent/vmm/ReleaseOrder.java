package io.vfleet.agent.vmm;

import java.util.List;

/**
 * End of a VM's device use; {@code reset} scrubs the devices for the next tenant.
 *
 * @param term   the controller's term on this node (see {@link Preparations})
 * @param fenced free members of the assignment's reset sets that the controller fenced, so that a
 *               set whose devices have no function reset can be reset as a whole before the exit
 */
public record ReleaseOrder(String assignmentId, boolean reset, long epoch, List<String> fenced, long term) {
    public ReleaseOrder {
        fenced = List.copyOf(fenced);
    }

    /** An order of the node's first term. */
    public ReleaseOrder(String assignmentId, boolean reset, long epoch, List<String> fenced) {
        this(assignmentId, reset, epoch, fenced, 0);
    }

    /** A release with nothing fenced. */
    public ReleaseOrder(String assignmentId, boolean reset, long epoch) {
        this(assignmentId, reset, epoch, List.of());
    }
}
