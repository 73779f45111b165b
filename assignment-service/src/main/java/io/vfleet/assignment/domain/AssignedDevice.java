package io.vfleet.assignment.domain;

import java.util.Objects;

/**
 * One device of an assignment: its BDF and vfio device node, its IOMMU group and reset set, and the
 * devid iommufd gave it once prepared (null before).
 */
public record AssignedDevice(String bdf, String vfioName, int iommuGroup, String resetSet, Long devid, Long hwptId) {

    public AssignedDevice {
        Objects.requireNonNull(bdf, "bdf");
    }

    public static AssignedDevice of(TopologyDevice device) {
        return new AssignedDevice(device.bdf(), device.vfioName(), device.iommuGroup(), device.resetSet(), null, null);
    }

    public AssignedDevice prepared(long newDevid, long newHwptId) {
        return new AssignedDevice(bdf, vfioName, iommuGroup, resetSet, newDevid, newHwptId);
    }
}
