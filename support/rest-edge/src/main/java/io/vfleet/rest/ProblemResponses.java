package io.vfleet.rest;

import java.time.temporal.Temporal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
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
import org.springframework.web.bind.MissingRequestHeaderException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.ServletRequestBindingException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * The REST edge's translation of failures into problem details, once, for every service: each
 * service's {@code @RestControllerAdvice} extends this class and adds its own domain's refusals.
 *
 * <p>Here: Spring MVC's own refusals (no such path, a method, media type or {@code Accept} the
 * resource does not have), each with its {@link ProblemType}; JSON that does not bind, naming the
 * field and what it must be; query parameters of the wrong form, missing, or unknown; and anything
 * else, which is a bug, logged here and answered 500 without its details.
 */
public abstract class ProblemResponses extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemResponses.class);

    /** Answers a problem with its own status. */
    protected static ResponseEntity<Object> respond(ProblemDetail problem) {
        return ResponseEntity.status(problem.getStatus()).body(problem);
    }

    @ExceptionHandler
    ResponseEntity<Object> unknownQueryParameters(KnownQueryParameters.UnknownQueryParameters unknown) {
        return respond(Problems.badRequest(unknown.parameters()));
    }

    @ExceptionHandler
    ResponseEntity<Object> bug(Exception failure) {
        log.error("a request failed in a way no rule describes", failure);
        return respond(Problems.of(ProblemType.INTERNAL_ERROR, "internal error; see the service's log"));
    }

    /** Every framework refusal passes here: its problem gets the type of its status, and a 5xx loses its details. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception failure, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        ProblemType type = ProblemType.forStatus(status.value());
        ProblemDetail problem = body instanceof ProblemDetail given ? given : Problems.of(type, failure.getMessage());
        if (problem.getType() == null || !problem.getType().toString().startsWith(ProblemType.PREFIX)) {
            problem.setType(type.uri());
            problem.setTitle(type.title());
        }
        if (status.is5xxServerError()) {
            log.error("a request failed in the framework", failure);
            problem.setDetail("internal error; see the service's log");
        }
        return super.handleExceptionInternal(failure, problem, headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException unreadable,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(unreadable, Problems.badRequest(List.of(bodyProblem(unreadable))), headers,
                HttpStatus.BAD_REQUEST, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException mismatch, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String field = mismatch instanceof MethodArgumentTypeMismatchException argument ? argument.getName()
                : mismatch.getPropertyName() == null ? "parameter" : mismatch.getPropertyName();
        FieldProblem problem = new FieldProblem(field, expected(mismatch.getRequiredType())
                + ", not '" + mismatch.getValue() + "'");
        return handleExceptionInternal(mismatch, Problems.badRequest(List.of(problem)), headers, HttpStatus.BAD_REQUEST,
                request);
    }

    @Override
    protected ResponseEntity<Object> handleMissingServletRequestParameter(MissingServletRequestParameterException missing,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(missing, Problems.badRequest(List.of(new FieldProblem(missing.getParameterName(),
                "is required"))), headers, HttpStatus.BAD_REQUEST, request);
    }

    @Override
    protected ResponseEntity<Object> handleServletRequestBindingException(ServletRequestBindingException binding,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        FieldProblem problem = binding instanceof MissingRequestHeaderException header
                ? new FieldProblem(header.getHeaderName(), "is required")
                : new FieldProblem("request", binding.getMessage());
        return handleExceptionInternal(binding, Problems.badRequest(List.of(problem)), headers, HttpStatus.BAD_REQUEST,
                request);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException invalid,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        invalid.getBindingResult().getFieldErrors()
                .forEach(error -> problems.add(new FieldProblem(error.getField(), String.valueOf(error.getDefaultMessage()))));
        return handleExceptionInternal(invalid, Problems.badRequest(problems.isEmpty()
                ? List.of(new FieldProblem("body", "is not valid")) : problems), headers, HttpStatus.BAD_REQUEST, request);
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException invalid,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        invalid.getParameterValidationResults().forEach(result -> {
            if (result instanceof ParameterErrors errors) {
                for (FieldError error : errors.getFieldErrors()) {
                    problems.add(new FieldProblem(error.getField(), String.valueOf(error.getDefaultMessage())));
                }
            } else {
                String name = result.getMethodParameter().getParameterName();
                for (MessageSourceResolvable error : result.getResolvableErrors()) {
                    problems.add(new FieldProblem(String.valueOf(name), String.valueOf(error.getDefaultMessage())));
                }
            }
        });
        return handleExceptionInternal(invalid, Problems.badRequest(problems.isEmpty()
                ? List.of(new FieldProblem("request", "is not valid")) : problems), headers, HttpStatus.BAD_REQUEST, request);
    }

    /** What is wrong with a body that does not bind: the field at fault, or the body as a whole. */
    private static FieldProblem bodyProblem(HttpMessageNotReadableException unreadable) {
        if (!(unreadable.getCause() instanceof JacksonException jackson)) {
            return new FieldProblem("body", unreadable.getMessage() != null && unreadable.getMessage().startsWith("Required request body")
                    ? "is required" : "cannot be read");
        }
        String path = path(jackson);
        return switch (jackson) {
            case UnrecognizedPropertyException unknown -> new FieldProblem(
                    path.isEmpty() ? String.valueOf(unknown.getPropertyName()) : path,
                    "is not a field of this request; it has " + String.join(", ", known(unknown.getKnownPropertyIds())));
            case MismatchedInputException mismatch when mismatch.getTargetType() != null && !path.isEmpty() ->
                    new FieldProblem(path, expected(mismatch.getTargetType()));
            case InputCoercionException outOfRange when !path.isEmpty() ->
                    new FieldProblem(path, "is out of range for " + expected(outOfRange.getTargetType()).substring("must be ".length()));
            default -> new FieldProblem(path.isEmpty() ? "body" : path, "is not valid JSON here: " + firstLine(jackson.getOriginalMessage()));
        };
    }

    /** {@code selector.count}, {@code devices[2]}. */
    private static String path(JacksonException jackson) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : jackson.getPath()) {
            if (reference.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static List<String> known(Collection<Object> ids) {
        return ids == null ? List.of() : ids.stream().map(String::valueOf).sorted().toList();
    }

    /** What a value bound to {@code type} must be, in the request's terms. */
    static String expected(Class<?> type) {
        if (type == null) {
            return "must be of another type";
        }
        if (type == int.class || type == long.class || type == short.class || type == byte.class
                || type == Integer.class || type == Long.class || type == Short.class || type == Byte.class
                || type == java.math.BigInteger.class) {
            return "must be an integer";
        }
        if (type == double.class || type == float.class || Number.class.isAssignableFrom(type)) {
            return "must be a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "must be true or false";
        }
        if (CharSequence.class.isAssignableFrom(type)) {
            return "must be a string";
        }
        if (type.isEnum()) {
            return "must be one of " + String.join(", ", Arrays.stream(type.getEnumConstants()).map(String::valueOf).toList());
        }
        if (Temporal.class.isAssignableFrom(type)) {
            return "must be a time such as 2026-01-31T12:00:00Z";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "must be an array";
        }
        return "must be an object";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
