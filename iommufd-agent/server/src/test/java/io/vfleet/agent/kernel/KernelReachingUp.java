package io.vfleet.agent.kernel;

import io.vfleet.agent.vmm.AssignmentTable;

/** A deliberate violation for the agent's DependencyWhitelistTest: the host's kernel reaching up to the VMM. */
public final class KernelReachingUp {
    private KernelReachingUp() {}

    static String name() {
        return AssignmentTable.class.getName();
    }
}
