package io.vfleet.security;

/** The caller is authenticated but its role or scope does not allow this: 403, PERMISSION_DENIED. */
public final class AccessDenied extends RuntimeException {

    public AccessDenied(String message) {
        super(message);
    }
}
