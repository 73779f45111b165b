package io.vfleet.tlog;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the last checkpoint of one log it accepted, in a file, and accepts a new checkpoint only if
 * a trusted key signed it for that log and the log proves it a consistent extension of the last:
 * a log that was truncated, rewritten or forked since cannot produce that proof.
 *
 * <p>The first checkpoint is taken on trust (the witness has nothing to compare it with); from then
 * on the state file only moves forward, and is replaced atomically, so a crash leaves the old or
 * the new checkpoint, never half of one.
 */
public final class Witness {

    /** Where the witness fetches what it checks: the log's latest checkpoint and its consistency proofs. */
    public interface Log {

        String latestCheckpoint() throws IOException;

        List<Hash> consistencyProof(long older, long newer) throws IOException;
    }

    /** What became of a checkpoint the witness was shown. */
    public enum Outcome {
        /** The first checkpoint this witness saw: kept, on trust. */
        FIRST,
        /** The same tree as the last one. */
        UNCHANGED,
        /** A consistent extension of the last one: kept. */
        EXTENDED,
        /** Not signed by a trusted key, badly signed, or not a checkpoint. */
        REFUSED_SIGNATURE,
        /** Another log's checkpoint. */
        REFUSED_ORIGIN,
        /** Smaller than the last one: the log lost its tail. */
        REFUSED_SMALLER,
        /** The same size as the last one with another root: the log was rewritten. */
        REFUSED_FORK,
        /** Larger, but the log cannot prove the last one a prefix of it: the log was rewritten. */
        REFUSED_INCONSISTENT;

        public boolean accepted() {
            return this == FIRST || this == UNCHANGED || this == EXTENDED;
        }
    }

    /** The outcome, the checkpoint it is about (when it could be read), and an explanation. */
    public record Verdict(Outcome outcome, Optional<Checkpoint> checkpoint, String explanation) {}

    private final String origin;
    private final List<NoteVerifier> trusted;
    private final Path state;

    /** A witness of the log named {@code origin}, trusting these keys, keeping its state in {@code state}. */
    public Witness(String origin, List<NoteVerifier> trusted, Path state) {
        if (trusted.isEmpty()) {
            throw new IllegalArgumentException("a witness trusts at least one key");
        }
        this.origin = origin;
        this.trusted = List.copyOf(trusted);
        this.state = state;
    }

    /** The last checkpoint accepted, if any. */
    public Optional<Checkpoint> last() throws IOException {
        if (!Files.exists(state)) {
            return Optional.empty();
        }
        String note = Files.readString(state, StandardCharsets.UTF_8);
        try {
            return Optional.of(Checkpoint.open(note, trusted).checkpoint());
        } catch (Note.Refused refused) {
            throw new IOException("the witness's own state " + state + " is not a checkpoint it can trust: "
                    + refused.getMessage());
        }
    }

    /** Fetches the log's latest checkpoint and accepts or refuses it. */
    public Verdict observe(Log log) throws IOException {
        return observe(log.latestCheckpoint(), log);
    }

    /** Accepts or refuses {@code note}, asking {@code log} for the consistency proof it needs. */
    public Verdict observe(String note, Log log) throws IOException {
        Checkpoint.Signed signed;
        try {
            signed = Checkpoint.open(note, trusted);
        } catch (Note.Refused refused) {
            return new Verdict(Outcome.REFUSED_SIGNATURE, Optional.empty(), refused.getMessage());
        }
        Checkpoint next = signed.checkpoint();
        if (!next.origin().equals(origin)) {
            return refused(Outcome.REFUSED_ORIGIN, next, "a checkpoint of " + next.origin() + ", not of " + origin);
        }
        Optional<Checkpoint> previous = last();
        if (previous.isEmpty()) {
            keep(note);
            return new Verdict(Outcome.FIRST, Optional.of(next), "the first checkpoint, of " + next.size()
                    + " entries, kept on trust");
        }
        Checkpoint last = previous.get();
        if (next.size() < last.size()) {
            return refused(Outcome.REFUSED_SMALLER, next, "the log shows " + next.size()
                    + " entries, but it had " + last.size() + ": its tail was removed");
        }
        if (next.size() == last.size()) {
            if (!next.root().equals(last.root())) {
                return refused(Outcome.REFUSED_FORK, next, "another tree of the same " + next.size()
                        + " entries: the log was rewritten");
            }
            return new Verdict(Outcome.UNCHANGED, Optional.of(next), "still " + next.size() + " entries");
        }
        List<Hash> proof = log.consistencyProof(last.size(), next.size());
        if (!Proofs.verifyConsistency(last.size(), last.root(), next.size(), next.root(), proof)) {
            return refused(Outcome.REFUSED_INCONSISTENT, next, "the log cannot prove its first " + last.size()
                    + " entries unchanged in the tree of " + next.size() + ": it was rewritten");
        }
        keep(note);
        return new Verdict(Outcome.EXTENDED, Optional.of(next), "extended from " + last.size() + " to "
                + next.size() + " entries, consistently");
    }

    private static Verdict refused(Outcome outcome, Checkpoint checkpoint, String explanation) {
        return new Verdict(outcome, Optional.of(checkpoint), explanation);
    }

    private void keep(String note) throws IOException {
        AtomicFile.write(state, note);
    }
}
