package io.vfleet.agent.vmm;

/** A hot reset of {@code device}'s reset set, through the assignment's own files. */
public record HotResetOrder(String assignmentId, String device, long epoch) {
}
