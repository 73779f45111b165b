package io.vfleet.inventory.application;

import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.Revision;
import java.time.Instant;
import java.util.List;

/**
 * The global revision and the log of changes that watchers follow, kept for a retention window.
 *
 * <p>Revisions are handed out under one lock held until the writer's transaction ends, so they become
 * visible in the order they were given: a reader that sees revision N sees everything up to N. That is
 * what lets a watcher resume from a number alone.
 */
public interface ChangeLog {

    /** Takes the global revision lock (until the transaction ends) and returns the next revision. */
    Revision advance();

    /** Appends the changes of the revision just advanced to, recorded at {@code at}. */
    void append(List<Change> changes, Instant at);

    /** The newest committed revision. */
    Revision current();

    /**
     * The oldest revision a watcher can resume from: every change after it is still in the log. Older
     * ones were pruned.
     */
    Revision oldestResumable();

    /** The changes after {@code from}, up to and including revision {@code from + maxRevisions}, in order. */
    List<Change> after(Revision from, int maxRevisions);

    /** Removes the changes recorded before {@code cutoff}, moving {@link #oldestResumable()} past them. */
    long pruneRecordedBefore(Instant cutoff);
}
