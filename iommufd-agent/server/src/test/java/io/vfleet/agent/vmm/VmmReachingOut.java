package io.vfleet.agent.vmm;

import io.grpc.Status;
import io.vfleet.agent.grpc.KernelStatus;

/** A deliberate violation for the agent's DependencyWhitelistTest: the VMM's assignments speaking gRPC. */
public final class VmmReachingOut {
    private VmmReachingOut() {}

    static String names() {
        return Status.class.getName() + KernelStatus.class.getName();
    }
}
