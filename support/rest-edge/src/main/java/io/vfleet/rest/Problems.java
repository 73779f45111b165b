package io.vfleet.rest;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;

/** Builds problem details of the {@link ProblemType} vocabulary, so that status, type and title always agree. */
public final class Problems {

    private Problems() {}

    public static ProblemDetail of(ProblemType type, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(type.status()), detail);
        problem.setType(type.uri());
        problem.setTitle(type.title());
        return problem;
    }

    /** A bad request naming every field at fault, in {@code errors} and in a detail that reads as a sentence. */
    public static ProblemDetail badRequest(List<FieldProblem> fields) {
        if (fields.isEmpty()) {
            throw new IllegalArgumentException("a bad request names at least one field");
        }
        ProblemDetail problem = of(ProblemType.BAD_REQUEST, describe(fields));
        problem.setProperty("errors", List.copyOf(fields));
        return problem;
    }

    /** {@code field reason; field reason}. */
    public static String describe(List<FieldProblem> fields) {
        StringBuilder detail = new StringBuilder();
        for (FieldProblem field : fields) {
            detail.append(detail.isEmpty() ? "" : "; ").append(field.field()).append(' ').append(field.reason());
        }
        return detail.toString();
    }
}
