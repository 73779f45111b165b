package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A tenant's I/O address space on one node: one iommufd context and IOAS per tenant per host, with
 * the HWPTs its devices are attached to.
 *
 * <p>{@link #check} holds an agent's answer to group isolation: every device of one IOMMU group on
 * the same HWPT, every requested device prepared. An answer that breaks it is refused, not stored.
 */
public record TenantIoas(String tenant, String node, long ioasId, List<Long> hwptIds) {

    public TenantIoas {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(node, "node");
        hwptIds = List.copyOf(hwptIds);
    }

    public static TenantIoas of(Assignment assignment, Preparation preparation) {
        return new TenantIoas(assignment.tenant(), assignment.node(), preparation.ioasId(), preparation.hwptIds());
    }

    public static List<Violation> check(List<AssignedDevice> requested, Preparation preparation) {
        Map<String, Preparation.Device> prepared = new HashMap<>();
        preparation.devices().forEach(device -> prepared.put(device.bdf(), device));
        Map<Integer, Long> hwptOfGroup = new HashMap<>();
        List<Violation> violations = new ArrayList<>();
        for (AssignedDevice device : requested) {
            Preparation.Device answer = prepared.get(device.bdf());
            if (answer == null) {
                violations.add(new Violation(Violation.Rule.GROUP_ISOLATION, device.bdf(),
                        "the agent did not prepare " + device.bdf() + " in IOAS " + preparation.ioasId()));
                continue;
            }
            if (device.unsafe()) {
                // A noiommu device has a group of its own and attaches to nothing.
                continue;
            }
            Long first = hwptOfGroup.putIfAbsent(device.iommuGroup(), answer.hwptId());
            if (first != null && first != answer.hwptId()) {
                violations.add(new Violation(Violation.Rule.GROUP_ISOLATION, device.bdf(),
                        "IOMMU group " + device.iommuGroup() + " is split over HWPTs " + first + " and " + answer.hwptId()));
            }
        }
        return violations;
    }
}
