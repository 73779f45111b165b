package io.vfleet.assignment.adapter.web;

import io.vfleet.assignment.application.Conflict;
import io.vfleet.assignment.application.InvalidRequest;
import io.vfleet.assignment.application.NotFound;
import io.vfleet.assignment.application.RelistRequired;
import io.vfleet.assignment.domain.AgentAnswer;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.rest.FieldProblem;
import io.vfleet.rest.ProblemResponses;
import io.vfleet.rest.ProblemType;
import io.vfleet.rest.Problems;
import io.vfleet.security.AccessDenied;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The assignment service's refusals as problems of the shared vocabulary ({@link ProblemResponses}
 * does the framework's): a refused assignment is 409 with its {@code violations}; bad input is 400
 * naming each field at fault in {@code errors}, in the REST API's names; a caller that may not see
 * something gets 404, one whose role may not do it 403 (401 and the access table's 403 are the
 * security filter's, in the same vocabulary).
 */
@RestControllerAdvice
class AssignmentProblems extends ProblemResponses {

    /** Where the REST API names a field otherwise than the application does. */
    private static final Map<String, String> REST_NAMES = Map.of(
            "selector.classCode", "selector.class",
            "idempotencyKey", "Idempotency-Key");

    @ExceptionHandler
    ResponseEntity<Object> refused(AssignmentRefused refused) {
        ProblemDetail problem = Problems.of(ProblemType.ASSIGNMENT_REFUSED, refused.getMessage());
        problem.setProperty("violations", refused.violations().stream()
                .map(violation -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("rule", violation.rule().name());
                    body.put("device", violation.device());
                    body.put("detail", violation.detail());
                    putAgentAnswer(body, violation.agent());
                    return body;
                })
                .toList());
        refused.assignmentId().ifPresent(id -> problem.setProperty("assignmentId", id));
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<Object> notFound(NotFound notFound) {
        return respond(Problems.of(ProblemType.NOT_FOUND, notFound.getMessage()));
    }

    @ExceptionHandler
    ResponseEntity<Object> denied(AccessDenied denied) {
        return respond(Problems.of(ProblemType.FORBIDDEN, denied.getMessage()));
    }

    /** A watch asked to resume where the change log no longer reaches: 410, and where it reaches now. */
    @ExceptionHandler
    ResponseEntity<Object> relist(RelistRequired relist) {
        ProblemDetail problem = Problems.of(ProblemType.RELIST_REQUIRED, relist.getMessage());
        problem.setProperty("oldestResumableRevision", relist.oldestResumable());
        return respond(problem);
    }

    @ExceptionHandler
    ResponseEntity<Object> conflict(Conflict conflict) {
        ProblemDetail problem = Problems.of(ProblemType.CONFLICT, conflict.getMessage());
        problem.setProperty("reason", conflict.reason().name());
        if (conflict.agent() != null) {
            Map<String, Object> answer = new LinkedHashMap<>();
            putAgentAnswer(answer, conflict.agent());
            answer.forEach(problem::setProperty);
        }
        return respond(problem);
    }

    /**
     * What the node's agent said: {@code errno} (its name, EBUSY) and {@code errnoNumber} when its
     * kernel refused, {@code agentReason} when the agent refused by a rule of its own (STALE_EPOCH).
     */
    private static void putAgentAnswer(Map<String, Object> body, AgentAnswer answer) {
        if (answer == null) {
            return;
        }
        if (answer.isErrno()) {
            body.put("errno", answer.reason());
            body.put("errnoNumber", answer.errno());
        } else {
            body.put("agentReason", answer.reason());
        }
    }

    @ExceptionHandler
    ResponseEntity<Object> illegalTransition(AssignmentState.IllegalTransition illegal) {
        return respond(Problems.of(ProblemType.CONFLICT, illegal.getMessage()));
    }

    @ExceptionHandler
    ResponseEntity<Object> invalid(InvalidRequest invalid) {
        List<FieldProblem> fields = invalid.faults().stream()
                .map(fault -> new FieldProblem(REST_NAMES.getOrDefault(fault.field(), fault.field()), fault.reason()))
                .toList();
        return respond(Problems.badRequest(fields));
    }

    /** A domain record refused an impossible value that no field check stopped first. */
    @ExceptionHandler
    ResponseEntity<Object> invalidArgument(IllegalArgumentException invalid) {
        return respond(Problems.badRequest(List.of(new FieldProblem("request", invalid.getMessage()))));
    }
}
