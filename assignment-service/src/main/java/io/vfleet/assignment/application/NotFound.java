package io.vfleet.assignment.application;

/** No such thing, or none the caller may see. */
public final class NotFound extends RuntimeException {

    public NotFound(String message) {
        super(message);
    }
}
