package io.vfleet.security;

/** No credentials, or ones that prove nothing: 401, UNAUTHENTICATED. The message never echoes a credential. */
public final class Unauthenticated extends RuntimeException {

    public Unauthenticated(String message) {
        super(message);
    }
}
