package io.vfleet.assignment.domain;

import java.util.List;

/**
 * What an agent answered to Prepare: the IOAS of the tenant's iommufd context on that node, the
 * distinct HWPTs, and each device's devid, HWPT (0 for a noiommu device, attached to nothing) and
 * whether it has a function reset.
 */
public record Preparation(long ioasId, List<Long> hwptIds, List<Device> devices) {

    public record Device(String bdf, long devid, long hwptId, boolean functionReset) {}

    public Preparation {
        hwptIds = List.copyOf(hwptIds);
        devices = List.copyOf(devices);
    }
}
