package io.vfleet.assignment.domain;

import io.vfleet.tlog.Checkpoint;
import io.vfleet.tlog.Frontier;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.MerkleTree;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Checks the stored audit log against signed checkpoints: it walks the events in sequence order,
 * recomputes each leaf hash from the event and the tree from the leaves, and compares the tree with
 * each checkpoint as it reaches that checkpoint's size. It stops at the first problem and names it:
 *
 * <ul>
 *   <li>{@link Problem#MISSING_EVENT}: a number is missing from the sequence (a row was deleted);
 *   <li>{@link Problem#REWRITTEN_EVENT}: an event no longer gives the leaf hash stored for it (it was
 *       edited after it was logged);
 *   <li>{@link Problem#REHASHED}: events and stored hashes agree with each other, but the tree they make
 *       is not the one a checkpoint signed (the log was rewritten and its hashes recomputed);
 *   <li>{@link Problem#TRUNCATED}: a checkpoint covers more events than the log has (its tail was removed);
 *   <li>{@link Problem#FORGED_CHECKPOINT}: a checkpoint presented does not verify with a trusted key
 *       (found before the walk, by whoever opens the notes);
 *   <li>{@link Problem#TREE_CORRUPTED}: the stored interior hashes, from which proofs are served, are
 *       not the tree of the stored leaves.
 * </ul>
 *
 * Bound: a checkpoint protects the events it covers. Events logged after the newest checkpoint kept
 * outside the database can be removed or rewritten, by someone able to write the database as its
 * owner, without this check noticing; the checkpoint interval bounds how many.
 */
public final class AuditVerification {

    public enum Problem {
        MISSING_EVENT, REWRITTEN_EVENT, REHASHED, TRUNCATED, FORGED_CHECKPOINT, TREE_CORRUPTED
    }

    /** The first problem: what, at which event (0 when it is about no single event), and an explanation. */
    public record Finding(Problem problem, long sequence, String detail) {}

    /** A checkpoint to hold the log to: one whose signature a trusted key verified, and where it came from. */
    public record Trusted(Checkpoint checkpoint, String keyName, String source) {}

    /** The outcome: events checked before the first problem (or all), the log's size, and the problem. */
    public record Result(long checked, long size, List<Trusted> checkpoints, Optional<Finding> problem) {

        public boolean intact() {
            return problem.isEmpty();
        }
    }

    private final List<Trusted> checkpoints;
    private final Frontier frontier = Frontier.empty();
    private int nextCheckpoint;
    private long lastMatched;
    private String lastMatchedBy = "the start";
    private Finding problem;

    /** A walk against these checkpoints; a problem found before it (a forged checkpoint) is passed in. */
    public AuditVerification(List<Trusted> checkpoints, Optional<Finding> before) {
        this.checkpoints = checkpoints.stream().sorted(Comparator.comparingLong(c -> c.checkpoint().size())).toList();
        this.problem = before.orElse(null);
        compareCheckpoints();
    }

    /**
     * The next stored event and the leaf hash stored for it (null if none is).
     *
     * @return whether to go on
     */
    public boolean accept(AuditEvent event, Hash storedLeaf) {
        if (problem != null) {
            return false;
        }
        long expected = frontier.size() + 1;
        if (event.sequence() != expected) {
            problem = new Finding(Problem.MISSING_EVENT, expected, "event " + expected + " is missing: the log goes on at "
                    + event.sequence() + ", so events were deleted");
            return false;
        }
        Hash leaf = MerkleTree.leafHash(event.canonical());
        if (!leaf.equals(storedLeaf)) {
            problem = new Finding(Problem.REWRITTEN_EVENT, expected, "event " + expected
                    + " no longer gives the leaf hash stored when it was logged: it was rewritten since");
            return false;
        }
        frontier.append(leaf);
        compareCheckpoints();
        return problem == null;
    }

    /**
     * Compares the tree with every checkpoint of its present size. A mismatch is placed after the
     * largest smaller checkpoint that matched: the rewritten event is between the two.
     */
    private void compareCheckpoints() {
        long matchedBelow = lastMatched;
        String matchedBelowBy = lastMatchedBy;
        while (problem == null && nextCheckpoint < checkpoints.size()
                && checkpoints.get(nextCheckpoint).checkpoint().size() == frontier.size()) {
            Trusted trusted = checkpoints.get(nextCheckpoint++);
            if (!frontier.root().equals(trusted.checkpoint().root())) {
                long first = matchedBelow + 1;
                problem = new Finding(Problem.REHASHED, first, "the first " + frontier.size()
                        + " events agree with their stored hashes, but not with the checkpoint of " + frontier.size()
                        + " events signed by " + trusted.keyName() + " (" + trusted.source() + "): an event from "
                        + first + " to " + frontier.size() + " was rewritten and the log re-hashed ("
                        + matchedBelowBy + " still matched)");
            } else {
                lastMatched = frontier.size();
                lastMatchedBy = "the checkpoint of " + lastMatched + " (" + trusted.source() + ")";
            }
        }
    }

    /**
     * Ends the walk at the log's stored size, with the root its stored interior hashes give.
     */
    public Result finish(long storedSize, Hash storedRoot) {
        if (problem == null && nextCheckpoint < checkpoints.size()) {
            Trusted beyond = checkpoints.get(nextCheckpoint);
            long size = beyond.checkpoint().size();
            problem = new Finding(Problem.TRUNCATED, frontier.size() + 1, "the checkpoint signed by " + beyond.keyName()
                    + " (" + beyond.source() + ") covers " + size + " events, the log has " + frontier.size()
                    + ": events " + (frontier.size() + 1) + " to " + size + " were removed");
        }
        if (problem == null && (storedSize != frontier.size() || !frontier.root().equals(storedRoot))) {
            problem = new Finding(Problem.TREE_CORRUPTED, 0, "the stored tree of " + storedSize
                    + " events is not the tree of the stored events: proofs served from it would not verify");
        }
        return new Result(frontier.size(), storedSize, checkpoints, Optional.ofNullable(problem));
    }
}
