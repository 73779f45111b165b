package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.AuditCheckpoints;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.Proofs;
import java.util.List;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Serves what lets anyone check the audit log without trusting the service: its signed checkpoints,
 * proofs that an event is in the tree a checkpoint signed, and proofs that an older checkpoint's
 * tree is a prefix of a newer one's. Proofs are computed from stored subtree hashes, a logarithmic
 * number of rows each.
 */
public final class ProveAudit {

    private final TransactionOperations transactions;
    private final AuditLog audit;
    private final AuditCheckpoints checkpoints;

    public ProveAudit(TransactionOperations transactions, AuditLog audit, AuditCheckpoints checkpoints) {
        this.transactions = transactions;
        this.audit = audit;
        this.checkpoints = checkpoints;
    }

    /** An event, its leaf hash, and the audit path from it to the root of the tree of {@code treeSize}. */
    public record Inclusion(AuditEvent event, long treeSize, Hash leafHash, List<Hash> path) {}

    /** The hashes that prove the tree of {@code from} entries a prefix of the tree of {@code to}. */
    public record Consistency(long from, long to, List<Hash> proof) {}

    /** The note of the largest checkpoint signed. */
    public String latestCheckpoint(Caller caller) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        return transactions.execute(status -> checkpoints.latest())
                .orElseThrow(() -> new NotFound("no checkpoint is signed yet; an operator or auditor can ask for one"));
    }

    public String checkpoint(Caller caller, long size) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        return transactions.execute(status -> checkpoints.ofSize(size))
                .orElseThrow(() -> new NotFound("no checkpoint of " + size + " events is signed"));
    }

    /** Proves event {@code sequence} in the tree of {@code treeSize} events. */
    public Inclusion inclusion(Caller caller, long sequence, long treeSize) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        if (sequence < 1) {
            throw new InvalidRequest("sequence", "events are numbered from 1");
        }
        if (treeSize < sequence) {
            throw new InvalidRequest("treeSize", "a tree of " + treeSize + " events does not hold event " + sequence);
        }
        return transactions.execute(status -> {
            requireLogged("treeSize", treeSize);
            AuditLog.Logged logged = audit.read(sequence, 1).getFirst();
            List<Hash> path = Proofs.inclusion(sequence - 1, treeSize, audit.tree());
            return new Inclusion(logged.event(), treeSize, logged.storedLeaf(), path);
        });
    }

    public Consistency consistency(Caller caller, long from, long to) {
        caller.requireRole(Role.AUDITOR, Role.OPERATOR);
        if (from < 0) {
            throw new InvalidRequest("from", "a tree size is not negative");
        }
        if (to < from) {
            throw new InvalidRequest("to", "a proof goes from a smaller tree to a larger one; " + to + " < " + from);
        }
        return transactions.execute(status -> {
            requireLogged("to", to);
            return new Consistency(from, to, Proofs.consistency(from, to, audit.tree()));
        });
    }

    private void requireLogged(String field, long treeSize) {
        long size = audit.size();
        if (treeSize > size) {
            throw new NotFound("the log has " + size + " events, not " + treeSize + " (" + field + ")");
        }
    }
}
