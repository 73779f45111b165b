package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * A noiommu device does untranslated DMA: it goes only to a tenant explicitly allowed to have one,
 * on a node whose kernel enables unsafe noiommu mode.
 */
public final class NoiommuPolicy {

    private NoiommuPolicy() {}

    public static List<Violation> check(TenantPolicy policy, List<String> devices, NodeTopology topology) {
        List<Violation> violations = new ArrayList<>();
        for (String bdf : devices) {
            topology.device(bdf).filter(device -> device.kind() == TopologyDevice.Kind.NOIOMMU).ifPresent(device -> {
                if (!topology.noiommuEnabled()) {
                    violations.add(new Violation(Violation.Rule.NOIOMMU_NOT_ALLOWED, bdf,
                            "node " + topology.node() + " does not enable unsafe noiommu mode"));
                } else if (!policy.noiommuAllowed()) {
                    violations.add(new Violation(Violation.Rule.NOIOMMU_NOT_ALLOWED, bdf,
                            "tenant " + policy.tenant() + " is not allowed noiommu devices (untranslated DMA)"));
                }
            });
        }
        return violations;
    }

    /** Whether the device may go to the tenant at all, for placement. */
    public static boolean allows(TenantPolicy policy, TopologyDevice device, NodeTopology topology) {
        return device.kind() == TopologyDevice.Kind.PHYSICAL || (topology.noiommuEnabled() && policy.noiommuAllowed());
    }
}
