package io.vfleet.inventory.adapter.web;

import io.vfleet.inventory.domain.UnknownNode;
import io.vfleet.rest.FieldProblem;
import io.vfleet.rest.ProblemResponses;
import io.vfleet.rest.ProblemType;
import io.vfleet.rest.Problems;
import io.vfleet.security.AccessDenied;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The inventory's refusals as problems of the shared vocabulary ({@link ProblemResponses} does the
 * framework's): an unknown node is 404, a caller whose role does not allow the call 403, and a query
 * parameter the inventory cannot use 400 naming it ({@code page: must be 0 or more}).
 */
@RestControllerAdvice
class InventoryProblems extends ProblemResponses {

    @ExceptionHandler
    ResponseEntity<Object> unknownNode(UnknownNode unknown) {
        return respond(Problems.of(ProblemType.NOT_FOUND, unknown.getMessage()));
    }

    @ExceptionHandler
    ResponseEntity<Object> accessDenied(AccessDenied denied) {
        return respond(Problems.of(ProblemType.FORBIDDEN, denied.getMessage()));
    }

    /** The query's checks say {@code field: reason}; a message without a field names the request. */
    @ExceptionHandler
    ResponseEntity<Object> badArgument(IllegalArgumentException bad) {
        String message = String.valueOf(bad.getMessage());
        int colon = message.indexOf(": ");
        FieldProblem field = colon > 0 && !message.substring(0, colon).contains(" ")
                ? new FieldProblem(message.substring(0, colon), message.substring(colon + 2))
                : new FieldProblem("request", message);
        return respond(Problems.badRequest(List.of(field)));
    }
}
