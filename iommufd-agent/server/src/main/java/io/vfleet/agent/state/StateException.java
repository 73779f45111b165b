package io.vfleet.agent.state;

/**
 * The agent's saved state cannot be used: a file is corrupt, damaged in the middle rather than torn
 * at its end, from a newer agent, missing changes, or its system calls replay differently. The
 * message names the file, where in it (frame and byte, change sequence) and why. The agent does not
 * start on such a state: starting on a fresh host instead would silently drop every device the
 * saved one had bound.
 */
public final class StateException extends RuntimeException {
    public StateException(String message) {
        super(message);
    }

    public StateException(String message, Throwable cause) {
        super(message, cause);
    }
}
