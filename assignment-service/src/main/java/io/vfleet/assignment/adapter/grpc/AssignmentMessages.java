package io.vfleet.assignment.adapter.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.vfleet.api.assignment.v1.AssignedDevice;
import io.vfleet.api.assignment.v1.AssignmentState;
import io.vfleet.api.assignment.v1.AuditEvent;
import io.vfleet.api.assignment.v1.Checkpoint;
import io.vfleet.api.assignment.v1.DeviceOwner;
import io.vfleet.api.assignment.v1.DeviceSelector;
import io.vfleet.api.assignment.v1.Tenant;
import io.vfleet.api.assignment.v1.TenantIoas;
import io.vfleet.assignment.application.AssignRequest;
import io.vfleet.assignment.application.ShowTenant;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.domain.AuditVerification;
import io.vfleet.tlog.Note;
import io.vfleet.assignment.domain.Assignment;
import java.time.Instant;

/**
 * Translates between {@code vfleet.assignment.v1} messages and the application's types, both ways,
 * and nothing else: the form of the input is checked by {@link RequestFields}, its meaning by the
 * use cases.
 */
final class AssignmentMessages {

    private AssignmentMessages() {}

    static AssignRequest assignRequest(io.vfleet.api.assignment.v1.AssignRequest request, RequestFields fields) {
        String tenant = fields.name("tenant", request.getTenant(), true);
        String node = fields.name("node", request.getNode(), false);
        var devices = fields.bdfs("devices", request.getDevicesList());
        io.vfleet.assignment.domain.DeviceSelector selector = null;
        if (request.hasSelector()) {
            DeviceSelector given = request.getSelector();
            int count = fields.count("selector.count", given.getCount());
            fields.requireValid();
            selector = new io.vfleet.assignment.domain.DeviceSelector(
                    given.hasVendorId() ? given.getVendorId() : null,
                    given.hasDeviceId() ? given.getDeviceId() : null,
                    given.hasClassCode() ? given.getClassCode() : null,
                    count);
        }
        fields.requireValid();
        return new AssignRequest(tenant, node, devices, selector, request.getWithKvm());
    }

    static io.vfleet.assignment.domain.AssignmentState state(AssignmentState state, RequestFields fields) {
        return switch (state) {
            case ASSIGNMENT_STATE_UNSPECIFIED -> null;
            case REQUESTED -> io.vfleet.assignment.domain.AssignmentState.REQUESTED;
            case PREPARING -> io.vfleet.assignment.domain.AssignmentState.PREPARING;
            case ACTIVE -> io.vfleet.assignment.domain.AssignmentState.ACTIVE;
            case RELEASING -> io.vfleet.assignment.domain.AssignmentState.RELEASING;
            case RESETTING -> io.vfleet.assignment.domain.AssignmentState.RESETTING;
            case RELEASED -> io.vfleet.assignment.domain.AssignmentState.RELEASED;
            case FAILED -> io.vfleet.assignment.domain.AssignmentState.FAILED;
            case UNRECOGNIZED -> {
                fields.fault("state", "is not an assignment state");
                yield null;
            }
        };
    }

    static io.vfleet.api.assignment.v1.Assignment assignment(Assignment assignment) {
        var message = io.vfleet.api.assignment.v1.Assignment.newBuilder()
                .setId(assignment.id())
                .setTenant(assignment.tenant())
                .setNode(assignment.node())
                .setState(AssignmentState.valueOf(assignment.state().name()))
                .setWithKvm(assignment.withKvm())
                .addAllHwptIds(assignment.hwptIds())
                .setFailureReason(assignment.failureReason() == null ? "" : assignment.failureReason());
        if (assignment.ioasId() != null) {
            message.setIoasId(assignment.ioasId());
        }
        if (assignment.createdAt() != null) {
            message.setCreatedAt(timestamp(assignment.createdAt()));
        }
        for (io.vfleet.assignment.domain.AssignedDevice device : assignment.devices()) {
            AssignedDevice.Builder assigned = AssignedDevice.newBuilder()
                    .setBdf(device.bdf())
                    .setVfioName(device.vfioName())
                    .setIommuGroup(device.iommuGroup())
                    .setResetSet(device.resetSet())
                    .setKind(io.vfleet.api.assignment.v1.DeviceKind.valueOf(device.kind().name()))
                    .setUnsafe(device.unsafe());
            if (device.devid() != null) {
                assigned.setDevid(device.devid());
            }
            if (device.hwptId() != null) {
                assigned.setHwptId(device.hwptId());
            }
            if (device.functionReset() != null) {
                assigned.setFunctionReset(device.functionReset());
            }
            message.addDevices(assigned);
        }
        return message.build();
    }

    static Tenant tenant(String tenant, ShowTenant.View view) {
        Tenant.Builder message = Tenant.newBuilder()
                .setTenant(tenant)
                .setMaxDevices(view.policy().maxDevices())
                .setMaxPinnedBytes(view.policy().maxPinnedBytes())
                .setNoiommuAllowed(view.policy().noiommuAllowed())
                .setDevices(view.usage().devices())
                .setPinnedBytes(view.usage().pinnedBytes());
        for (io.vfleet.assignment.domain.TenantIoas ioas : view.ioas()) {
            message.addIoas(TenantIoas.newBuilder().setNode(ioas.node()).setIoasId(ioas.ioasId())
                    .addAllHwptIds(ioas.hwptIds()));
        }
        return message.build();
    }

    static AuditEvent auditEvent(io.vfleet.assignment.domain.AuditEvent event) {
        return AuditEvent.newBuilder()
                .setSequence(event.sequence())
                .setAt(timestamp(event.at()))
                .setKind(event.kind().name())
                .setTenant(orEmpty(event.tenant()))
                .setNode(orEmpty(event.node()))
                .addAllDevices(event.devices())
                .setAssignmentId(orEmpty(event.assignmentId()))
                .setDetail(event.detail())
                .setPrincipal(event.principal())
                .build();
    }

    /** A checkpoint a verification held the log to, with where it came from. */
    static Checkpoint checkpoint(AuditVerification.Trusted trusted) {
        return Checkpoint.newBuilder()
                .setOrigin(trusted.checkpoint().origin())
                .setSize(trusted.checkpoint().size())
                .setRootHash(ByteString.copyFrom(trusted.checkpoint().root().bytes()))
                .setKeyName(trusted.keyName())
                .setSource(trusted.source())
                .build();
    }

    /** A signed checkpoint as published: the note and what it says (read, not trusted: the note is the proof). */
    static Checkpoint checkpoint(String note) {
        Checkpoint.Builder message = Checkpoint.newBuilder().setNote(note);
        try {
            Note parsed = Note.parse(note);
            io.vfleet.tlog.Checkpoint body = io.vfleet.tlog.Checkpoint.parse(parsed.text());
            Note.Signature signature = parsed.signatures().getFirst();
            message.setOrigin(body.origin()).setSize(body.size())
                    .setRootHash(ByteString.copyFrom(body.root().bytes()))
                    .setKeyName(signature.keyName() + "+" + String.format("%08x", signature.keyId()));
        } catch (Note.Refused | IllegalArgumentException unreadable) {
            // Only the note itself is then served: a client verifies it anyway.
        }
        return message.build();
    }

    static DeviceOwner owner(AuditLog.Owner owner) {
        return DeviceOwner.newBuilder()
                .setNode(owner.node())
                .setDevice(owner.device())
                .setTenant(owner.tenant())
                .setAssignmentId(owner.assignmentId())
                .setSince(timestamp(owner.since()))
                .build();
    }

    static Timestamp timestamp(Instant instant) {
        return Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano()).build();
    }

    private static String orEmpty(String text) {
        return text == null ? "" : text;
    }
}
