package io.vfleet.assignment.application;

import java.util.List;
import java.util.Objects;

/** A request that cannot mean anything, naming every field at fault and why. Nothing was changed. */
public final class InvalidRequest extends RuntimeException {

    /** One field at fault, named in the application's terms ({@code selector.count}), and why. */
    public record Fault(String field, String reason) {
        public Fault {
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(reason, "reason");
        }
    }

    private final List<Fault> faults;

    public InvalidRequest(String field, String reason) {
        this(List.of(new Fault(field, reason)));
    }

    public InvalidRequest(List<Fault> faults) {
        super(describe(faults));
        if (faults.isEmpty()) {
            throw new AssertionError("an invalid request names at least one field");
        }
        this.faults = List.copyOf(faults);
    }

    public List<Fault> faults() {
        return faults;
    }

    private static String describe(List<Fault> faults) {
        StringBuilder text = new StringBuilder();
        for (Fault fault : faults) {
            text.append(text.isEmpty() ? "" : "; ").append(fault.field()).append(' ').append(fault.reason());
        }
        return text.toString();
    }
}
