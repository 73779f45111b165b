package io.vfleet.assignment.domain;

import java.util.List;

/**
 * What an agent answered to Prepare: the IOAS of the tenant's iommufd context on that node, the
 * distinct HWPTs, and each device's devid and HWPT.
 */
public record Preparation(long ioasId, List<Long> hwptIds, List<Device> devices) {

    public record Device(String bdf, long devid, long hwptId) {}

    public Preparation {
        hwptIds = List.copyOf(hwptIds);
        devices = List.copyOf(devices);
    }
}
