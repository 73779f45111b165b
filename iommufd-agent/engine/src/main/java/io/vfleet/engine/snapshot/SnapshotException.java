package io.vfleet.engine.snapshot;

/**
 * A snapshot could not be written or was refused when read back: a newer format, a checksum that
 * does not match, a truncated or malformed file (the message names the line), or a journal whose
 * replay diverged from what was recorded (the message names the entry and what differed). A
 * refused snapshot never yields a host, not even a partly restored one.
 */
public final class SnapshotException extends RuntimeException {
    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
