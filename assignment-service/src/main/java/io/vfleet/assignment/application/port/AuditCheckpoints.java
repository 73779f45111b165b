package io.vfleet.assignment.application.port;

import java.util.List;
import java.util.Optional;

/**
 * The signed checkpoints of the audit log kept in the database, one per tree size (the first signed
 * at that size), append-only. They are notes as signed: whoever reads them verifies them.
 */
public interface AuditCheckpoints {

    /** Keeps the note of a checkpoint of {@code size} unless one of that size is kept already. */
    void keep(long size, byte[] root, String note, String keyName);

    /** The note of the largest checkpoint. */
    Optional<String> latest();

    Optional<String> ofSize(long size);

    /** Every note, smallest tree first. */
    List<String> all();
}
