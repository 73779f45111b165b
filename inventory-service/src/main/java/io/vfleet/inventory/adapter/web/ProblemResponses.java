package io.vfleet.inventory.adapter.web;

import io.vfleet.security.AccessDenied;
import io.vfleet.inventory.domain.UnknownNode;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place REST failures become RFC 9457 problem details: the domain's refusals by their meaning,
 * Spring MVC's own (a parameter of the wrong type) by its base class. Anything else is a bug and a 500.
 */
@RestControllerAdvice(basePackageClasses = ProblemResponses.class)
class ProblemResponses extends ResponseEntityExceptionHandler {

    @ExceptionHandler(UnknownNode.class)
    ProblemDetail unknownNode(UnknownNode unknown) {
        return problem(HttpStatus.NOT_FOUND, unknown.getMessage());
    }

    @ExceptionHandler(AccessDenied.class)
    ProblemDetail accessDenied(AccessDenied denied) {
        return problem(HttpStatus.FORBIDDEN, denied.getMessage());
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ProblemDetail badArgument(IllegalArgumentException bad) {
        return problem(HttpStatus.BAD_REQUEST, bad.getMessage());
    }

    private static ProblemDetail problem(HttpStatus status, String detail) {
        return ProblemDetail.forStatusAndDetail(status, detail);
    }
}
