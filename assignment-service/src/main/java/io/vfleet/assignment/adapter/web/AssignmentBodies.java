package io.vfleet.assignment.adapter.web;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.vfleet.assignment.application.AssignRequest;
import io.vfleet.assignment.application.Identifiers;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.DeviceSelector;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.time.Instant;
import java.util.List;

/** The JSON of assignments, in and out, and its translation to and from the application. */
final class AssignmentBodies {

    static final String BDF = Identifiers.BDF;
    static final String NAME = Identifiers.NAME;
    static final String PCI_NUMBER = "0x[0-9a-fA-F]{1,6}|[0-9]{1,8}";

    private AssignmentBodies() {}

    /** {@code POST /api/v1/assignments}. */
    record AssignBody(
            @NotBlank @Pattern(regexp = NAME) String tenant,
            @Pattern(regexp = NAME) String node,
            @Size(max = 64) List<@NotNull @Pattern(regexp = BDF, message = "must be a PCI BDF such as 0000:3b:00.0") String> devices,
            @Valid SelectorBody selector,
            Boolean withKvm) {

        AssignRequest toRequest() {
            return new AssignRequest(tenant, node, devices, selector == null ? null : selector.toSelector(),
                    Boolean.TRUE.equals(withKvm));
        }
    }

    /** Which devices, by PCI identity; each number decimal or 0x-hexadecimal. */
    record SelectorBody(
            @Pattern(regexp = PCI_NUMBER) String vendorId,
            @Pattern(regexp = PCI_NUMBER) String deviceId,
            @JsonProperty("class") @Pattern(regexp = PCI_NUMBER) String classCode,
            @NotNull @Min(1) @Max(64) Integer count) {

        DeviceSelector toSelector() {
            return new DeviceSelector(decode(vendorId), decode(deviceId), decode(classCode), count);
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

    record ResetBody(@Pattern(regexp = BDF, message = "must be a PCI BDF such as 0000:3b:00.0") String device) {}

    record ResetOutcomeBody(AssignmentBody assignment, List<String> affected) {}

    private static Integer decode(String number) {
        return number == null ? null : Integer.decode(number);
    }
}
