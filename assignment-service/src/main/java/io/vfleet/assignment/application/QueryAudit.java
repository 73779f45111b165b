package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.AuditCheckpoints;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.CheckpointArchive;
import io.vfleet.assignment.application.port.CheckpointKeys;
import io.vfleet.assignment.application.port.Page;
import io.vfleet.assignment.application.port.Paging;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.AuditVerification;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.MerkleTree;
import io.vfleet.tlog.Note;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Answers auditors: the events, who owned a device at a time, and whether the log is the one its
 * signed checkpoints vouch for.
 *
 * <p>Events reach the log shortly after their transactions commit. Every answer first waits, up to
 * the configured patience, until everything committed before the question is in the log, and says
 * how many events were still missing when it gave up ({@link Answer#unlinked()}, normally 0).
 */
public final class QueryAudit {

    /** Events read per round trip while verifying. */
    private static final int VERIFY_BATCH = 1_000;

    private final TransactionOperations transactions;
    private final TransactionOperations snapshots;
    private final AuditLog audit;
    private final Checkpoints checkpoints;
    private final Duration patience;

    /** Where checkpoints come from: the database, the archive outside it, and the keys that vouch for them. */
    public record Checkpoints(AuditCheckpoints stored, CheckpointArchive archive, CheckpointKeys keys) {}

    /**
     * @param snapshots runs a read-only transaction on one snapshot of the database, so that a
     *     verification sees one log however long it takes
     */
    public QueryAudit(TransactionOperations transactions, TransactionOperations snapshots, AuditLog audit,
            Checkpoints checkpoints, Duration patience) {
        this.transactions = transactions;
        this.snapshots = snapshots;
        this.audit = audit;
        this.checkpoints = checkpoints;
        this.patience = patience;
    }

    /** An answer, and how many events committed before the question were not in the log yet. */
    public record Answer<T>(T value, long unlinked) {}

    public Answer<Page<AuditEvent>> events(Caller caller, AuditLog.Query query, Paging paging) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        long unlinked = audit.awaitLinked(patience);
        return new Answer<>(transactions.execute(status -> audit.search(query, paging)), unlinked);
    }

    public Answer<List<AuditLog.Owner>> owners(Caller caller, String device, String node, Instant at) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        long unlinked = audit.awaitLinked(patience);
        return new Answer<>(transactions.execute(status -> audit.ownersAt(device, node, at)), unlinked);
    }

    /**
     * Walks the whole log against every checkpoint that can vouch for it: those kept in the database,
     * the latest kept outside it, and {@code presented} (a note the caller kept, or null).
     */
    public Answer<AuditVerification.Result> verify(Caller caller, String presented) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        long unlinked = audit.awaitLinked(patience);
        return new Answer<>(snapshots.execute(status -> walk(presented)), unlinked);
    }

    private AuditVerification.Result walk(String presented) {
        List<AuditVerification.Trusted> trusted = new ArrayList<>();
        Optional<AuditVerification.Finding> forged = Optional.empty();
        List<Source> sources = new ArrayList<>();
        if (presented != null) {
            sources.add(new Source("the checkpoint presented", presented));
        }
        checkpoints.archive().latest().ifPresent(note ->
                sources.add(new Source("the latest checkpoint in " + checkpoints.archive().describe(), note)));
        checkpoints.stored().all().forEach(note -> sources.add(new Source("a checkpoint in the database", note)));
        for (Source source : sources) {
            String refusal;
            try {
                Checkpoint.Signed signed = Checkpoint.open(source.note(), checkpoints.keys().trusted());
                if (signed.checkpoint().origin().equals(checkpoints.keys().origin())) {
                    trusted.add(new AuditVerification.Trusted(signed.checkpoint(), signed.keyName(), source.name()));
                    continue;
                }
                refusal = "it is a checkpoint of " + signed.checkpoint().origin() + ", not of this log, "
                        + checkpoints.keys().origin();
            } catch (Note.Refused refused) {
                refusal = refused.getMessage();
            }
            if (forged.isEmpty()) {
                forged = Optional.of(new AuditVerification.Finding(AuditVerification.Problem.FORGED_CHECKPOINT, 0,
                        source.name() + " is not one this log signed: " + refusal));
            }
        }
        AuditVerification verification = new AuditVerification(trusted, forged);
        long next = 1;
        boolean going = forged.isEmpty();
        while (going) {
            List<AuditLog.Logged> batch = audit.read(next, VERIFY_BATCH);
            for (AuditLog.Logged logged : batch) {
                going = verification.accept(logged.event(), logged.storedLeaf());
                if (!going) {
                    break;
                }
                next = logged.event().sequence() + 1;
            }
            going = going && batch.size() == VERIFY_BATCH;
        }
        long size = audit.size();
        Hash storedRoot;
        try {
            storedRoot = MerkleTree.root(size, audit.tree());
        } catch (IllegalStateException missing) {
            storedRoot = null;
        }
        return verification.finish(size, storedRoot);
    }

    private record Source(String name, String note) {}
}
