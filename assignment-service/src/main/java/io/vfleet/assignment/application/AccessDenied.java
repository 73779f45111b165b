package io.vfleet.assignment.application;

/** The caller is authenticated but its role or scope does not allow this. */
public final class AccessDenied extends RuntimeException {

    public AccessDenied(String message) {
        super(message);
    }
}
