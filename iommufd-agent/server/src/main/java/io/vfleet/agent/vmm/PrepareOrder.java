package io.vfleet.agent.vmm;

import java.util.List;

/**
 * Start of a VM's device use on this host, as the control plane orders it.
 *
 * @param devices PCI BDFs, in the order the VMM opens them
 * @param epoch   the caller's fencing epoch for the assignment, compared unsigned
 * @param term    the controller's term on this node, compared unsigned (see {@link Preparations})
 */
public record PrepareOrder(String assignmentId, String tenant, List<String> devices, boolean withKvm, long epoch, long term) {
    public PrepareOrder {
        devices = List.copyOf(devices);
    }

    /** An order of the node's first term. */
    public PrepareOrder(String assignmentId, String tenant, List<String> devices, boolean withKvm, long epoch) {
        this(assignmentId, tenant, devices, withKvm, epoch, 0);
    }
}
