package io.vfleet.assignment.application.port;

import java.util.Optional;

/**
 * Where the audit log's signed checkpoints are kept outside its database, so that rewriting the
 * database cannot rewrite them too: a directory on another volume, an operator's copy, a witness.
 */
public interface CheckpointArchive {

    /** Keeps a signed checkpoint of {@code size} entries as the latest. */
    void publish(long size, String note);

    /** The latest note kept, if any. */
    Optional<String> latest();

    /** Where the archive is, for messages. */
    String describe();
}
