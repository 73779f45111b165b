package io.vfleet.assignment.adapter.web;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.vfleet.assignment.adapter.web.AssignmentBodies.AssignBody;
import io.vfleet.assignment.adapter.web.AssignmentBodies.AssignmentBody;
import io.vfleet.assignment.adapter.web.AssignmentBodies.ResetBody;
import io.vfleet.assignment.adapter.web.AssignmentBodies.ResetOutcomeBody;
import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.assignment.application.QueryAssignments;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.WaitBudget;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.rest.Refuses;
import io.vfleet.security.Caller;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
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
@Tag(name = "Assignments", description = "Devices handed to a tenant's VM on one node, from assignment to release.")
class AssignmentController {

    private final AssignDevices assign;
    private final QueryAssignments query;
    private final ReleaseAssignment release;
    private final ResetAssignment reset;
    private final WaitBudget budget;

    AssignmentController(AssignDevices assign, QueryAssignments query, ReleaseAssignment release, ResetAssignment reset,
            WaitBudget budget) {
        this.budget = budget;
        this.assign = assign;
        this.query = query;
        this.release = release;
        this.reset = reset;
    }

    /**
     * Assigns, waiting for the agent's prepare as long as {@code Prefer: wait=N} asks (RFC 7240; the
     * service's default without it, its maximum at most): 201 with the ACTIVE assignment, or 202 with the
     * PREPARING one when the prepare goes on beyond the wait. Its outcome is stored either way; follow it
     * at the Location or with the watch.
     */
    @PostMapping
    @Operation(operationId = "assign", summary = "Assign devices to a tenant, named or chosen by a selector")
    @ApiResponse(responseCode = "200", description = "A replay of an earlier request with the same Idempotency-Key: "
            + "that assignment, as it stands now.", content = @Content(schema = @Schema(implementation = AssignmentBody.class)))
    @ApiResponse(responseCode = "201", description = "Assigned: the ACTIVE assignment, at the Location.",
            content = @Content(schema = @Schema(implementation = AssignmentBody.class)))
    @ApiResponse(responseCode = "202", description = "Still preparing after the wait Prefer asked for: the PREPARING "
            + "assignment, to follow at the Location or with the watch.",
            content = @Content(schema = @Schema(implementation = AssignmentBody.class)))
    @Refuses(status = 409, when = "The assignment rules refuse it (assignment-refused, with every "
            + "violation), or the Idempotency-Key was used for another request (conflict).")
    ResponseEntity<AssignmentBody> assign(Caller caller, @RequestBody AssignBody body,
            @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey,
            @RequestHeader(name = PreferHeader.PREFER, required = false) List<String> prefer) {
        Optional<Duration> asked = PreferHeader.waitOf(prefer);
        Duration wait = budget.of(asked.orElse(null));
        AssignDevices.Outcome outcome = assign.assign(caller, body.toForm(), idempotencyKey, wait);
        Assignment assignment = outcome.assignment();
        if (outcome.repeated()) {
            // A replay creates nothing: the earlier assignment, as it stands now, with 200.
            return ResponseEntity.ok(AssignmentBody.of(assignment));
        }
        ResponseEntity.BodyBuilder answer = outcome.completed()
                ? ResponseEntity.created(URI.create("/api/v1/assignments/" + assignment.id()))
                : ResponseEntity.accepted().location(URI.create("/api/v1/assignments/" + assignment.id()));
        if (asked.isPresent()) {
            answer.header(PreferHeader.PREFERENCE_APPLIED, PreferHeader.applied(wait));
        }
        return answer.header(HttpHeaders.VARY, PreferHeader.PREFER).body(AssignmentBody.of(assignment));
    }

    @GetMapping("/{id}")
    @Operation(operationId = "getAssignment", summary = "One assignment, with its devices and the tenant's IOAS")
    @Refuses(status = 404, when = "No such assignment, or one of a tenant the caller may not see.")
    AssignmentBody get(Caller caller, @PathVariable String id) {
        return AssignmentBody.of(query.get(caller, id));
    }

    @GetMapping
    @Operation(operationId = "listAssignments", summary = "List assignments, filtered by tenant, node and state, a page at a time")
    PageBody<AssignmentBody> list(Caller caller,
            @RequestParam(required = false) String tenant,
            @RequestParam(required = false) String node,
            @RequestParam(required = false) AssignmentState state,
            @RequestParam(required = false) Long page,
            @RequestParam(required = false) Long size) {
        return PageBody.of(query.list(caller, new QueryAssignments.Listing(tenant, node, state, page, size))
                .map(AssignmentBody::of));
    }

    @DeleteMapping("/{id}")
    @Operation(operationId = "releaseAssignment", summary = "Release an assignment: its devices go back to the host, reset")
    @Refuses(status = 404, when = "No such assignment, or one of a tenant the caller may not see.")
    @Refuses(status = 409, when = "The node's agent cannot be reached or refused the release.")
    AssignmentBody release(Caller caller, @PathVariable String id) {
        return AssignmentBody.of(release.release(caller, id));
    }

    @PostMapping("/{id}/reset")
    @Operation(operationId = "resetAssignment", summary = "Hot-reset a device of an ACTIVE assignment")
    @Refuses(status = 404, when = "No such assignment, or one of a tenant the caller may not see.")
    @Refuses(status = 409, when = "The assignment is not ACTIVE, or the reset would touch another "
            + "tenant's device or the node's agent refused it.")
    ResetOutcomeBody reset(Caller caller, @PathVariable String id, @RequestBody(required = false) ResetBody body) {
        ResetAssignment.Outcome outcome = reset.reset(caller, id, body == null ? null : body.device());
        return new ResetOutcomeBody(AssignmentBody.of(outcome.assignment()), outcome.affected());
    }
}
