package io.vfleet.inventory.domain;

import java.util.Objects;

/**
 * A device of a node as the inventory keeps it: what the agent reported, where it sits (IOMMU group,
 * reset set), whether it is still reported, and the revision of its last change.
 *
 * @param iommuGroup the number of its IOMMU group, or null (noiommu and emulated devices have none)
 * @param resetSet   the key of its reset set, or null when it shares a reset domain with no one listed
 */
public record NodeDevice(String node, Device device, Integer iommuGroup, String resetSet, DeviceState state,
                         Revision revision) {

    public String bdf() {
        return device.bdf();
    }

    public NodeDevice removedAt(Revision newRevision) {
        return new NodeDevice(node, device, iommuGroup, resetSet, DeviceState.REMOVED, newRevision);
    }

    /** Whether this entry says the same as {@code other}, revisions aside. */
    public boolean sameAs(NodeDevice other) {
        return node.equals(other.node) && device.equals(other.device) && Objects.equals(iommuGroup, other.iommuGroup)
                && Objects.equals(resetSet, other.resetSet) && state == other.state;
    }
}
