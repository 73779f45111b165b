package io.vfleet.assignment.application.port;

import io.vfleet.tlog.NoteSigner;
import io.vfleet.tlog.NoteVerifier;
import java.util.List;

/**
 * The keys of the audit log's checkpoints: the one that signs now, and every key whose checkpoints
 * are still trusted (the signing key's own verifier and those of the keys it replaced).
 */
public interface CheckpointKeys {

    NoteSigner signer();

    List<NoteVerifier> trusted();

    /** The log's name in its checkpoints: the signing key's name. */
    default String origin() {
        return signer().name();
    }
}
