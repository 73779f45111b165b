package io.vfleet.assignment.adapter.web;

import io.vfleet.security.Caller;
import io.vfleet.assignment.application.QueryAudit;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.AuditEvent;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import java.time.Instant;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/audit}: the events, who owned a device when, and the chain's integrity. */
@RestController
@RequestMapping("/api/v1/audit")
class AuditController {

    private final QueryAudit audit;

    AuditController(QueryAudit audit) {
        this.audit = audit;
    }

    record EventBody(long sequence, Instant at, String kind, String tenant, String node, List<String> devices,
            String assignmentId, String detail) {

        static EventBody of(AuditEvent event) {
            return new EventBody(event.sequence(), event.at(), event.kind().name(), event.tenant(), event.node(),
                    event.devices(), event.assignmentId(), event.detail());
        }
    }

    record OwnersBody(String device, Instant at, List<AuditLog.Owner> owners) {}

    record BrokenLinkBody(long sequence, String reason) {}

    record VerificationBody(boolean intact, long checked, BrokenLinkBody firstBroken) {}

    @GetMapping("/events")
    PageBody<EventBody> events(Caller caller,
            @RequestParam(required = false) @Pattern(regexp = AssignmentBodies.BDF) String device,
            @RequestParam(required = false) @Pattern(regexp = AssignmentBodies.NAME) String tenant,
            @RequestParam(required = false) Instant from,
            @RequestParam(required = false) Instant to,
            @RequestParam(defaultValue = "0") @Min(0) int page,
            @RequestParam(defaultValue = "50") @Min(1) @Max(Paging.MAX_SIZE) int size) {
        return PageBody.of(audit.events(caller, new AuditLog.Query(device, tenant, from, to), new Paging(page, size))
                .map(EventBody::of));
    }

    @GetMapping("/owner")
    OwnersBody owner(Caller caller,
            @RequestParam @Pattern(regexp = AssignmentBodies.BDF) String device,
            @RequestParam(required = false) @Pattern(regexp = AssignmentBodies.NAME) String node,
            @RequestParam(required = false) Instant at) {
        Instant when = at == null ? Instant.now() : at;
        return new OwnersBody(device, when, audit.owners(caller, device, node, when));
    }

    @GetMapping("/verify")
    VerificationBody verify(Caller caller) {
        AuditLog.Verification verification = audit.verify(caller);
        return new VerificationBody(verification.firstBroken().isEmpty(), verification.checked(),
                verification.firstBroken().map(broken -> new BrokenLinkBody(broken.sequence(), broken.reason()))
                        .orElse(null));
    }
}
