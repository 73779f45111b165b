package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.AuditCheckpoints;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.CheckpointArchive;
import io.vfleet.assignment.application.port.CheckpointKeys;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.MerkleTree;
import io.vfleet.tlog.Note;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Signs a checkpoint of the audit log as it stands (C2SP tlog-checkpoint: origin, size, root, an
 * Ed25519 signature), keeps it in the database and publishes it to the archive outside it. Done on
 * a schedule, whether or not the log grew, and on demand.
 *
 * <p>A log must never sign a tree that is not an extension of one it signed before: the stored tree
 * is checked against the latest checkpoint in the archive and in the database first, and when it
 * does not extend them nothing is signed ({@link Conflict.Reason#LOG_INCONSISTENT}); verifying the log
 * then says what happened to it.
 */
public final class SignCheckpoint {

    private static final Logger log = LoggerFactory.getLogger(SignCheckpoint.class);

    private final TransactionOperations transactions;
    private final AuditLog audit;
    private final QueryAudit.Checkpoints checkpoints;
    private final Duration patience;

    /** @param patience how long an on-demand checkpoint waits for what committed before it to be in the log */
    public SignCheckpoint(TransactionOperations transactions, AuditLog audit, QueryAudit.Checkpoints checkpoints,
            Duration patience) {
        this.transactions = transactions;
        this.audit = audit;
        this.checkpoints = checkpoints;
        this.patience = patience;
    }

    /**
     * Signs now, for an operator or an auditor who wants a checkpoint of the latest events: of
     * everything committed before the request, unless the log lags by more than the patience.
     */
    public Checkpoint.Signed sign(Caller caller) {
        caller.requireRole(Role.OPERATOR, Role.AUDITOR);
        audit.awaitLinked(patience);
        return sign();
    }

    /** Signs now: the schedule's entry. */
    public Checkpoint.Signed sign() {
        CheckpointKeys keys = checkpoints.keys();
        Checkpoint.Signed signed = transactions.execute(status -> {
            long size = audit.size();
            requireExtends(size);
            Hash root = MerkleTree.root(size, audit.tree());
            Checkpoint checkpoint = new Checkpoint(keys.origin(), size, root);
            String note = checkpoint.sign(keys.signer());
            Checkpoint.Signed opened = open(note);
            checkpoints.stored().keep(size, root.bytes(), note, opened.keyName());
            return opened;
        });
        checkpoints.archive().publish(signed.checkpoint().size(), signed.note());
        log.atDebug().log(() -> "signed the checkpoint of " + signed.checkpoint().size() + " audit events with " + signed.keyName());
        return signed;
    }

    /** Refuses to sign unless the stored tree extends the latest checkpoints already signed. */
    private void requireExtends(long size) {
        List<String> earlier = new ArrayList<>();
        checkpoints.archive().latest().ifPresent(earlier::add);
        checkpoints.stored().latest().ifPresent(earlier::add);
        for (String note : earlier) {
            Optional<String> inconsistency = trusted(note).flatMap(previous -> inconsistency(previous, size));
            if (inconsistency.isPresent()) {
                log.atError().log(() -> "the audit log was changed after it was signed, so it is not signed again: "
                        + inconsistency.get() + "; verify it to see what changed");
                throw new Conflict(Conflict.Reason.LOG_INCONSISTENT, inconsistency.get()
                        + ": the log was changed after it was signed; nothing is signed until it is verified and repaired");
            }
        }
    }

    /** A checkpoint of this log that a trusted key signed; any other vouches for nothing, and verification reports it. */
    private Optional<Checkpoint> trusted(String note) {
        try {
            Checkpoint checkpoint = Checkpoint.open(note, checkpoints.keys().trusted()).checkpoint();
            return checkpoint.origin().equals(checkpoints.keys().origin()) ? Optional.of(checkpoint) : Optional.empty();
        } catch (Note.Refused refused) {
            return Optional.empty();
        }
    }

    private Optional<String> inconsistency(Checkpoint previous, long size) {
        if (previous.size() > size) {
            return Optional.of("a checkpoint of " + previous.size() + " events was signed, the log has " + size);
        }
        try {
            if (MerkleTree.root(previous.size(), audit.tree()).equals(previous.root())) {
                return Optional.empty();
            }
        } catch (IllegalStateException missing) {
            return Optional.of("the stored tree lacks hashes of the first " + previous.size() + " events");
        }
        return Optional.of("the log's first " + previous.size() + " events are not the tree signed at that size");
    }

    private Checkpoint.Signed open(String note) {
        try {
            return Checkpoint.open(note, checkpoints.keys().trusted());
        } catch (Note.Refused refused) {
            throw new AssertionError("the signing key is among the trusted ones, so its own note opens", refused);
        }
    }
}
