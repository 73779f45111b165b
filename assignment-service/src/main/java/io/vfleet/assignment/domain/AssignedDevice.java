package io.vfleet.assignment.domain;

import java.util.Objects;

/**
 * One device of an assignment: its BDF and vfio device node, its IOMMU group and reset set, how it
 * reaches memory ({@link TopologyDevice.Kind}), and, once prepared, the devid iommufd gave it, the
 * HWPT it is attached to (none for a noiommu device) and whether it has a function reset (null before).
 */
public record AssignedDevice(String bdf, String vfioName, int iommuGroup, String resetSet, TopologyDevice.Kind kind,
        Long devid, Long hwptId, Boolean functionReset) {

    public AssignedDevice {
        Objects.requireNonNull(bdf, "bdf");
        Objects.requireNonNull(kind, "kind");
    }

    public static AssignedDevice of(TopologyDevice device) {
        return new AssignedDevice(device.bdf(), device.vfioName(), device.iommuGroup(), device.resetSet(), device.kind(),
                null, null, null);
    }

    /** With what the agent prepared: a noiommu device attaches to no HWPT, which the agent says with 0. */
    public AssignedDevice prepared(Preparation.Device answer) {
        return new AssignedDevice(bdf, vfioName, iommuGroup, resetSet, kind, answer.devid(),
                answer.hwptId() == 0 ? null : answer.hwptId(), answer.functionReset());
    }

    /** vfio's unsafe noiommu mode: DMA is not translated, so nothing keeps the device out of the host's memory. */
    public boolean unsafe() {
        return kind == TopologyDevice.Kind.NOIOMMU;
    }
}
