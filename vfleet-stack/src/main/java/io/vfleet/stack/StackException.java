package io.vfleet.stack;

/** The stack could not be started or driven as asked; the message says which part and why. */
public final class StackException extends RuntimeException {
    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
