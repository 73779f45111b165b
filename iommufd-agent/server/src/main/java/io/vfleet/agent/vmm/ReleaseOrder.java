package io.vfleet.agent.vmm;

/** End of a VM's device use; {@code reset} scrubs the devices for the next tenant. */
public record ReleaseOrder(String assignmentId, boolean reset, long epoch) {
}
