package io.vfleet.assignment.domain;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A multi-device IOMMU group goes whole to one tenant and one IOAS, or not at all: the kernel binds
 * every device of a group to one iommufd context and attaches them to one page table, because the
 * IOMMU cannot tell their DMA apart.
 *
 * <p>So a request must name every assignable member of each group it touches, and a group with a
 * member kept by a host driver (other than a bridge) is not viable for anyone.
 */
public final class GroupIsolation {

    private static final int PCI_BRIDGE_CLASS = 0x0604;

    private GroupIsolation() {}

    public static List<Violation> check(List<String> devices, NodeTopology topology) {
        Set<String> requested = new LinkedHashSet<>(devices);
        Set<Integer> groups = new LinkedHashSet<>();
        for (String bdf : devices) {
            topology.device(bdf).ifPresent(device -> groups.add(device.iommuGroup()));
        }
        List<Violation> violations = new ArrayList<>();
        for (int group : groups) {
            for (TopologyDevice member : topology.groupMembers(group)) {
                if (member.assignable() && !requested.contains(member.bdf())) {
                    violations.add(new Violation(Violation.Rule.GROUP_ISOLATION, member.bdf(),
                            "IOMMU group " + group + " goes whole to one tenant and one IOAS: request "
                                    + member.bdf() + " with " + requestedOf(group, requested, topology)));
                } else if (!member.assignable() && !isBridge(member)) {
                    violations.add(new Violation(Violation.Rule.GROUP_ISOLATION, member.bdf(),
                            "IOMMU group " + group + " is not viable: " + member.bdf() + " is kept by a host driver"));
                }
            }
        }
        return violations;
    }

    /** Whether the group can be handed out whole: no member kept by a host driver, bridges aside. */
    public static boolean isViable(int group, NodeTopology topology) {
        return hostDrivenMembers(group, topology).isEmpty();
    }

    /** The members that make the group not viable: those kept by a host driver, bridges aside; in BDF order. */
    public static List<String> hostDrivenMembers(int group, NodeTopology topology) {
        return topology.groupMembers(group).stream()
                .filter(member -> !member.assignable() && !isBridge(member))
                .map(TopologyDevice::bdf)
                .toList();
    }

    private static boolean isBridge(TopologyDevice device) {
        return device.id().classCode() >> 8 == PCI_BRIDGE_CLASS;
    }

    private static String requestedOf(int group, Set<String> requested, NodeTopology topology) {
        return String.join(", ", topology.groupMembers(group).stream()
                .map(TopologyDevice::bdf).filter(requested::contains).toList());
    }
}
