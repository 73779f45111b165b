package io.vfleet.assignment.domain;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The service's copy of one node's topology, as the inventory last reported it: its devices, IOMMU
 * groups and reset sets, whether its kernel allows noiommu, and whether its agent is live.
 *
 * <p>Devices are kept in BDF order, so that every decision made from a topology is repeatable.
 */
public record NodeTopology(String node, boolean noiommuEnabled, boolean live, List<TopologyDevice> devices) {

    public NodeTopology {
        Objects.requireNonNull(node, "node");
        devices = devices.stream().sorted(Comparator.comparing(TopologyDevice::bdf)).toList();
    }

    public Optional<TopologyDevice> device(String bdf) {
        return devices.stream().filter(device -> device.bdf().equals(bdf)).findFirst();
    }

    /** Every function of the IOMMU group, in BDF order. */
    public List<TopologyDevice> groupMembers(int iommuGroup) {
        return devices.stream().filter(device -> device.iommuGroup() == iommuGroup).toList();
    }

    /** Every function of the reset set, in BDF order. */
    public List<TopologyDevice> resetSetMembers(String resetSet) {
        return devices.stream().filter(device -> device.resetSet().equals(resetSet)).toList();
    }

    /** The assignable functions grouped by IOMMU group, groups in order of their first BDF. */
    public Map<Integer, List<TopologyDevice>> assignableGroups() {
        Map<Integer, List<TopologyDevice>> groups = new LinkedHashMap<>();
        for (TopologyDevice device : devices) {
            if (device.assignable()) {
                groups.computeIfAbsent(device.iommuGroup(), group -> new java.util.ArrayList<>()).add(device);
            }
        }
        return groups;
    }
}
