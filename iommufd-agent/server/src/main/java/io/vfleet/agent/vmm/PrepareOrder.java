package io.vfleet.agent.vmm;

import java.util.List;

/**
 * Start of a VM's device use on this host, as the control plane orders it.
 *
 * @param devices PCI BDFs, in the order the VMM opens them
 * @param epoch   the caller's fencing epoch, compared unsigned
 */
public record PrepareOrder(String assignmentId, String tenant, List<String> devices, boolean withKvm, long epoch) {
    public PrepareOrder {
        devices = List.copyOf(devices);
    }
}
