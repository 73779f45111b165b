package io.vfleet.inventory.domain;

import java.util.List;

/** What a node's agent reports of its host: devices, IOMMU groups and reset sets, each in the agent's order. */
public record Topology(List<Device> devices, List<IommuGroup> iommuGroups, List<ResetSet> resetSets) {

    public Topology {
        devices = List.copyOf(devices);
        iommuGroups = List.copyOf(iommuGroups);
        resetSets = List.copyOf(resetSets);
    }
}
