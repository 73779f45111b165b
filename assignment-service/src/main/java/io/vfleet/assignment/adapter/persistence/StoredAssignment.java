package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.TopologyDevice;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * An assignment as the change log stores it: JSON, field for field the domain's record, so that a
 * change read back is the assignment as it was written. V8__fleet_scale.sql writes the same form for
 * the assignments it found live.
 */
record StoredAssignment(String id, String tenant, String node, String state, boolean withKvm, List<Device> devices,
        Long ioasId, List<Long> hwptIds, String failureReason, Instant createdAt, Instant updatedAt) {

    record Device(String bdf, String vfioName, int iommuGroup, String resetSet, String kind, Long devid, Long hwptId,
            Boolean functionReset) {}

    static StoredAssignment of(Assignment assignment, Instant updatedAt) {
        return new StoredAssignment(assignment.id(), assignment.tenant(), assignment.node(), assignment.state().name(),
                assignment.withKvm(), assignment.devices().stream()
                        .map(device -> new Device(device.bdf(), device.vfioName(), device.iommuGroup(), device.resetSet(),
                                device.kind().name(), device.devid(), device.hwptId(), device.functionReset()))
                        .toList(),
                assignment.ioasId(), assignment.hwptIds(), assignment.failureReason(), assignment.createdAt(), updatedAt);
    }

    Assignment toDomain() {
        return new Assignment(id, tenant, node, AssignmentState.valueOf(state), withKvm,
                devices == null ? List.of() : devices.stream()
                        .map(device -> new AssignedDevice(device.bdf(), device.vfioName(), device.iommuGroup(),
                                device.resetSet(), device.kind() == null ? TopologyDevice.Kind.PHYSICAL
                                        : TopologyDevice.Kind.valueOf(device.kind()),
                                device.devid(), device.hwptId(), device.functionReset()))
                        .toList(),
                ioasId, hwptIds == null ? List.of() : hwptIds, failureReason, createdAt);
    }

    String toJson(JsonMapper json) {
        return json.writeValueAsString(this);
    }

    static StoredAssignment fromJson(JsonMapper json, String text) {
        return json.readValue(text, StoredAssignment.class);
    }
}
