package io.vfleet.assignment.domain;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Devices of one node held by one tenant, with where they are in their life ({@link AssignmentState})
 * and, once prepared, the tenant's IOAS and HWPTs there.
 *
 * <p>Immutable: every change returns a new assignment, and a change of state goes through the state
 * machine, so an illegal transition cannot be built, let alone stored.
 */
public record Assignment(
        String id,
        String tenant,
        String node,
        AssignmentState state,
        boolean withKvm,
        List<AssignedDevice> devices,
        Long ioasId,
        List<Long> hwptIds,
        String failureReason,
        Instant createdAt) {

    public Assignment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(state, "state");
        devices = List.copyOf(devices);
        hwptIds = List.copyOf(hwptIds);
    }

    public static Assignment requested(String id, String tenant, String node, List<AssignedDevice> devices, boolean withKvm) {
        return new Assignment(id, tenant, node, AssignmentState.REQUESTED, withKvm, devices, null, List.of(), null, null);
    }

    public List<String> bdfs() {
        return devices.stream().map(AssignedDevice::bdf).toList();
    }

    public Assignment to(AssignmentState next) {
        return new Assignment(id, tenant, node, state.become(next), withKvm, devices, ioasId, hwptIds, failureReason, createdAt);
    }

    public Assignment failed(String reason) {
        return new Assignment(id, tenant, node, state.become(AssignmentState.FAILED), withKvm, devices, ioasId, hwptIds,
                reason, createdAt);
    }

    /** ACTIVE, with what the agent prepared. */
    public Assignment activated(Preparation preparation) {
        List<AssignedDevice> prepared = new ArrayList<>();
        for (AssignedDevice device : devices) {
            Preparation.Device answer = preparation.devices().stream()
                    .filter(candidate -> candidate.bdf().equals(device.bdf()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("TenantIoas.check lets no unprepared device through"));
            prepared.add(device.prepared(answer));
        }
        return new Assignment(id, tenant, node, state.become(AssignmentState.ACTIVE), withKvm, prepared,
                preparation.ioasId(), preparation.hwptIds(), failureReason, createdAt);
    }
}
