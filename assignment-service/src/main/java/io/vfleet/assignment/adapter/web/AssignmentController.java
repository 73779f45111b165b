package io.vfleet.assignment.adapter.web;

import io.vfleet.assignment.adapter.web.AssignmentBodies.AssignBody;
import io.vfleet.assignment.adapter.web.AssignmentBodies.AssignmentBody;
import io.vfleet.assignment.adapter.web.AssignmentBodies.ResetBody;
import io.vfleet.assignment.adapter.web.AssignmentBodies.ResetOutcomeBody;
import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.security.Caller;
import io.vfleet.assignment.application.QueryAssignments;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/assignments}: assign, look up, list, release and hot-reset. */
@RestController
@RequestMapping("/api/v1/assignments")
class AssignmentController {

    private final AssignDevices assign;
    private final QueryAssignments query;
    private final ReleaseAssignment release;
    private final ResetAssignment reset;

    AssignmentController(AssignDevices assign, QueryAssignments query, ReleaseAssignment release, ResetAssignment reset) {
        this.assign = assign;
        this.query = query;
        this.release = release;
        this.reset = reset;
    }

    @PostMapping
    ResponseEntity<AssignmentBody> assign(Caller caller, @Valid @RequestBody AssignBody body,
            @RequestHeader(name = "Idempotency-Key", required = false) @Size(min = 1, max = 200) String idempotencyKey) {
        AssignDevices.Outcome outcome = assign.assign(caller, body.toRequest(), idempotencyKey);
        Assignment assignment = outcome.assignment();
        if (outcome.repeated()) {
            // A replay creates nothing: the earlier assignment, as it stands now, with 200.
            return ResponseEntity.ok(AssignmentBody.of(assignment));
        }
        return ResponseEntity.created(URI.create("/api/v1/assignments/" + assignment.id()))
                .body(AssignmentBody.of(assignment));
    }

    @GetMapping("/{id}")
    AssignmentBody get(Caller caller, @PathVariable String id) {
        return AssignmentBody.of(query.get(caller, id));
    }

    @GetMapping
    PageBody<AssignmentBody> list(Caller caller,
            @RequestParam(required = false) @Pattern(regexp = AssignmentBodies.NAME) String tenant,
            @RequestParam(required = false) @Pattern(regexp = AssignmentBodies.NAME) String node,
            @RequestParam(required = false) AssignmentState state,
            @RequestParam(defaultValue = "0") @Min(0) int page,
            @RequestParam(defaultValue = "50") @Min(1) @Max(Paging.MAX_SIZE) int size) {
        return PageBody.of(query.list(caller, new Assignments.Filter(tenant, node, state), new Paging(page, size))
                .map(AssignmentBody::of));
    }

    @DeleteMapping("/{id}")
    AssignmentBody release(Caller caller, @PathVariable String id) {
        return AssignmentBody.of(release.release(caller, id));
    }

    @PostMapping("/{id}/reset")
    ResetOutcomeBody reset(Caller caller, @PathVariable String id, @Valid @RequestBody(required = false) ResetBody body) {
        ResetAssignment.Outcome outcome = reset.reset(caller, id, body == null ? null : body.device());
        return new ResetOutcomeBody(AssignmentBody.of(outcome.assignment()), outcome.affected());
    }
}
