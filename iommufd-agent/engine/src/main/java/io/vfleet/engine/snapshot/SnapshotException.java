package io.vfleet.engine.snapshot;

/**
 * A snapshot or a recorded change does not describe a state this engine reaches: a replayed call
 * answered differently from what was recorded, or the counters disagree with the replay. The
 * message names the journal entry (1-based, in the order replayed) and what differed. A refused
 * snapshot never yields a host, not even a partly restored one.
 */
public final class SnapshotException extends RuntimeException {
    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
