package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * Every rule an assignment of named devices on one node must pass, in one place, so that a refusal
 * lists all of its violations at once rather than the first one found.
 */
public final class Admission {

    private Admission() {}

    /** What is being admitted: whose, which devices, and what the tenant may and does hold. */
    public record Request(String tenant, List<String> devices, TenantPolicy policy, TenantUsage usage) {}

    public static List<Violation> check(Request request, NodeState state) {
        NodeTopology topology = state.topology();
        List<Violation> violations = new ArrayList<>();
        if (!topology.live()) {
            violations.add(new Violation(Violation.Rule.NODE_UNREACHABLE, null,
                    "the agent of node " + topology.node() + " is not live"));
        }
        if (request.devices().isEmpty()) {
            violations.add(new Violation(Violation.Rule.NO_MATCHING_DEVICE, null, "no device was requested"));
        }
        for (String bdf : request.devices()) {
            topology.device(bdf).ifPresentOrElse(device -> {
                if (!device.assignable()) {
                    violations.add(new Violation(Violation.Rule.NO_MATCHING_DEVICE, bdf,
                            "kept by the host on node " + topology.node() + ", not bound to vfio"));
                }
            }, () -> violations.add(new Violation(Violation.Rule.NO_MATCHING_DEVICE, bdf,
                    "no such device on node " + topology.node())));
        }
        violations.addAll(NoiommuPolicy.check(request.policy(), request.devices(), topology));
        violations.addAll(Ownership.check(request.tenant(), request.devices(), state));
        violations.addAll(ScrubBetweenTenants.check(request.tenant(), request.devices(), state));
        violations.addAll(GroupIsolation.check(request.devices(), topology));
        violations.addAll(Quotas.check(request.policy(), request.usage(),
                new Quotas.Demand(request.devices().size(), 0)));
        return violations;
    }
}
