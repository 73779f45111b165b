package io.vfleet.rest;

import java.util.Objects;

/**
 * One field of a request at fault and why, as a bad-request problem's {@code errors} lists them.
 * {@code field} is the path in the request's own terms: {@code selector.count}, {@code devices[2]}, a
 * query parameter's name, a header's, or {@code body} for the request body as a whole.
 */
public record FieldProblem(String field, String reason) {

    public FieldProblem {
        Objects.requireNonNull(field, "field");
        Objects.requireNonNull(reason, "reason");
    }
}
