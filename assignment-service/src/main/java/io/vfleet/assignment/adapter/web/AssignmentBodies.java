package io.vfleet.assignment.adapter.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.vfleet.assignment.application.AssignRequest;
import io.vfleet.assignment.application.InvalidRequest;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The JSON of assignments, in and out, and its translation to and from the application. What comes
 * in is only decoded here (JSON types by the strict binding, PCI numbers from their text); what it
 * must be is checked once, by the application, for REST and gRPC alike.
 */
final class AssignmentBodies {

    /** Decimal, or hexadecimal after 0x; at most as many digits as a long holds, so that the range check can name it. */
    private static final Pattern PCI_NUMBER = Pattern.compile("0[xX][0-9a-fA-F]{1,15}|[0-9]{1,18}");

    private AssignmentBodies() {}

    /** {@code POST /api/v1/assignments}. */
    record AssignBody(String tenant, String node, List<String> devices, SelectorBody selector, Boolean withKvm) {

        AssignRequest.Form toForm() {
            return new AssignRequest.Form(tenant, node, devices, selector == null ? null : selector.toForm(), withKvm);
        }
    }

    /** Which devices, by PCI identity; each number decimal or 0x-hexadecimal text. */
    record SelectorBody(String vendorId, String deviceId, @JsonProperty("class") String classCode, Long count) {

        AssignRequest.SelectorForm toForm() {
            return new AssignRequest.SelectorForm(decode("selector.vendorId", vendorId),
                    decode("selector.deviceId", deviceId), decode("selector.classCode", classCode), count);
        }
    }

    /**
     * One device: {@code kind} PHYSICAL or NOIOMMU, and {@code unsafe} true for a noiommu device, whose
     * DMA nothing translates or isolates; {@code functionReset} once prepared, null before.
     */
    record DeviceBody(String bdf, String vfioName, Long devid, int iommuGroup, String resetSet, Long hwptId, String kind,
            boolean unsafe, Boolean functionReset) {

        static DeviceBody of(AssignedDevice device) {
            return new DeviceBody(device.bdf(), device.vfioName(), device.devid(), device.iommuGroup(),
                    device.resetSet(), device.hwptId(), device.kind().name(), device.unsafe(), device.functionReset());
        }
    }

    record AssignmentBody(String id, String tenant, String node, String state, boolean withKvm, List<DeviceBody> devices,
            Long ioasId, List<Long> hwptIds, String failureReason, Instant createdAt) {

        static AssignmentBody of(Assignment assignment) {
            return new AssignmentBody(assignment.id(), assignment.tenant(), assignment.node(), assignment.state().name(),
                    assignment.withKvm(), assignment.devices().stream().map(DeviceBody::of).toList(),
                    assignment.ioasId(), assignment.hwptIds(), assignment.failureReason(), assignment.createdAt());
        }
    }

    /** {@code POST /api/v1/assignments/{id}/reset}: the device to reset, the assignment's first when absent. */
    record ResetBody(String device) {}

    record ResetOutcomeBody(AssignmentBody assignment, List<String> affected) {}

    private static Long decode(String field, String number) {
        if (number == null) {
            return null;
        }
        if (!PCI_NUMBER.matcher(number).matches()) {
            throw new InvalidRequest(field, "must be a number, decimal or 0x-hexadecimal, such as 0x10de");
        }
        return Long.decode(number);
    }
}
