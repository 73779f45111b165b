package io.vfleet.inventory.domain;

/** An authenticated caller asked for something its role or scope does not allow; nothing was done. */
public final class AccessDenied extends RuntimeException {
    public AccessDenied(String message) {
        super(message);
    }
}
