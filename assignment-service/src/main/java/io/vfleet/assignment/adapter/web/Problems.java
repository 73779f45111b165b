package io.vfleet.assignment.adapter.web;

import io.vfleet.security.AccessDenied;
import io.vfleet.assignment.application.Conflict;
import io.vfleet.assignment.application.InvalidRequest;
import io.vfleet.assignment.application.NotFound;
import io.vfleet.assignment.domain.AgentAnswer;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.validation.method.ParameterErrors;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;

/**
 * Translates every failure into RFC 9457 problem details, once: a refused assignment is 409 with its
 * {@code violations}; bad input is 400 naming each field at fault in {@code errors}; a caller that
 * may not see something gets 404, one without credentials 401.
 */
@RestControllerAdvice
class Problems extends ResponseEntityExceptionHandler {

    private static final String TYPES = "urn:vfleet:problem:";

    /** One field at fault and why. */
    record FieldProblem(String field, String reason) {}

    @ExceptionHandler
    ProblemDetail refused(AssignmentRefused refused) {
        ProblemDetail problem = problem(HttpStatus.CONFLICT, "assignment-refused", "Assignment refused", refused.getMessage());
        problem.setProperty("violations", refused.violations().stream()
                .map(violation -> {
                    Map<String, Object> body = new java.util.LinkedHashMap<>();
                    body.put("rule", violation.rule().name());
                    body.put("device", violation.device());
                    body.put("detail", violation.detail());
                    putAgentAnswer(body, violation.agent());
                    return body;
                })
                .toList());
        refused.assignmentId().ifPresent(id -> problem.setProperty("assignmentId", id));
        return problem;
    }

    @ExceptionHandler
    ProblemDetail notFound(NotFound notFound) {
        return problem(HttpStatus.NOT_FOUND, "not-found", "Not found", notFound.getMessage());
    }

    @ExceptionHandler
    ProblemDetail denied(AccessDenied denied) {
        return problem(HttpStatus.FORBIDDEN, "forbidden", "Forbidden", denied.getMessage());
    }

    @ExceptionHandler
    ProblemDetail conflict(Conflict conflict) {
        ProblemDetail problem = problem(HttpStatus.CONFLICT, "conflict", "Conflict", conflict.getMessage());
        problem.setProperty("reason", conflict.reason().name());
        if (conflict.agent() != null) {
            Map<String, Object> answer = new java.util.LinkedHashMap<>();
            putAgentAnswer(answer, conflict.agent());
            answer.forEach(problem::setProperty);
        }
        return problem;
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
    ProblemDetail illegalTransition(AssignmentState.IllegalTransition illegal) {
        return problem(HttpStatus.CONFLICT, "conflict", "Conflict", illegal.getMessage());
    }

    @ExceptionHandler
    ProblemDetail invalid(InvalidRequest invalid) {
        return badRequest(List.of(new FieldProblem(invalid.field(), invalid.getMessage().substring(invalid.field().length() + 2))));
    }

    @ExceptionHandler
    ProblemDetail invalidArgument(IllegalArgumentException invalid) {
        return problem(HttpStatus.BAD_REQUEST, "bad-request", "Bad request", invalid.getMessage());
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException invalid,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        invalid.getBindingResult().getFieldErrors()
                .forEach(error -> problems.add(new FieldProblem(error.getField(), error.getDefaultMessage())));
        return ResponseEntity.badRequest().body(badRequest(problems));
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException invalid,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        invalid.getParameterValidationResults().forEach(result -> {
            if (result instanceof ParameterErrors errors) {
                for (FieldError error : errors.getFieldErrors()) {
                    problems.add(new FieldProblem(error.getField(), error.getDefaultMessage()));
                }
            } else {
                String name = result.getMethodParameter().getParameterName();
                for (MessageSourceResolvable error : result.getResolvableErrors()) {
                    problems.add(new FieldProblem(name, error.getDefaultMessage()));
                }
            }
        });
        return ResponseEntity.badRequest().body(badRequest(problems));
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException unreadable,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String field = "body";
        String reason = "is not valid JSON for this request";
        if (unreadable.getCause() instanceof JacksonException jackson && !jackson.getPath().isEmpty()) {
            StringBuilder path = new StringBuilder();
            for (JacksonException.Reference reference : jackson.getPath()) {
                if (reference.getPropertyName() != null) {
                    path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
                } else if (reference.getIndex() >= 0) {
                    path.append('[').append(reference.getIndex()).append(']');
                }
            }
            field = path.toString();
            reason = "has the wrong type or form";
        }
        return ResponseEntity.badRequest().body(badRequest(List.of(new FieldProblem(field, reason))));
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(org.springframework.beans.TypeMismatchException mismatch,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String field = mismatch.getPropertyName() == null ? "parameter" : mismatch.getPropertyName();
        return ResponseEntity.badRequest().body(badRequest(List.of(new FieldProblem(field,
                "cannot be read from '" + mismatch.getValue() + "'"))));
    }

    private static ProblemDetail badRequest(List<FieldProblem> problems) {
        StringBuilder detail = new StringBuilder();
        for (FieldProblem problem : problems) {
            detail.append(detail.isEmpty() ? "" : "; ").append(problem.field()).append(' ').append(problem.reason());
        }
        ProblemDetail problem = problem(HttpStatus.BAD_REQUEST, "bad-request", "Bad request", detail.toString());
        problem.setProperty("errors", problems);
        return problem;
    }

    private static ProblemDetail problem(HttpStatus status, String type, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create(TYPES + type));
        problem.setTitle(title);
        return problem;
    }
}
