package io.vfleet.assignment.application;

/** A request that cannot mean anything, naming the field at fault. Nothing was changed. */
public final class InvalidRequest extends RuntimeException {

    private final String field;

    public InvalidRequest(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
