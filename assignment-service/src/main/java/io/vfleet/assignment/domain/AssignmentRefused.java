package io.vfleet.assignment.domain;

import java.util.List;
import java.util.Optional;

/**
 * An assignment that the rules refuse, with every violation found.
 *
 * <p>Carries the assignment id when the refusal came after the assignment was recorded (the agent
 * refused, or could not be reached), so that the caller can look at the FAILED assignment.
 */
public final class AssignmentRefused extends RuntimeException {

    private final List<Violation> violations;
    private final String assignmentId;

    public AssignmentRefused(List<Violation> violations) {
        this(violations, null);
    }

    public AssignmentRefused(List<Violation> violations, String assignmentId) {
        super(summary(violations));
        if (violations.isEmpty()) {
            throw new AssertionError("a refusal names at least one violation");
        }
        this.violations = List.copyOf(violations);
        this.assignmentId = assignmentId;
    }

    public static AssignmentRefused because(Violation violation) {
        return new AssignmentRefused(List.of(violation));
    }

    public List<Violation> violations() {
        return violations;
    }

    public Optional<String> assignmentId() {
        return Optional.ofNullable(assignmentId);
    }

    private static String summary(List<Violation> violations) {
        StringBuilder text = new StringBuilder();
        for (Violation violation : violations) {
            if (!text.isEmpty()) {
                text.append("; ");
            }
            text.append(violation.rule()).append(' ');
            if (violation.device() != null) {
                text.append(violation.device()).append(": ");
            }
            text.append(violation.detail());
        }
        return text.toString();
    }
}
