package io.vfleet.agent.vmm;

import java.util.List;

/**
 * A hot reset of {@code device}'s reset set through the assignment's own files.
 *
 * @param term   the controller's term on this node (see {@link Preparations})
 * @param fenced the free members of the set the controller fenced for this reset: the agent binds
 *               exactly these to the assignment's iommufd for the length of the reset, and no other
 */
public record HotResetOrder(String assignmentId, String device, long epoch, List<String> fenced, long term) {
    public HotResetOrder {
        fenced = List.copyOf(fenced);
    }

    /** An order of the node's first term. */
    public HotResetOrder(String assignmentId, String device, long epoch, List<String> fenced) {
        this(assignmentId, device, epoch, fenced, 0);
    }
}
