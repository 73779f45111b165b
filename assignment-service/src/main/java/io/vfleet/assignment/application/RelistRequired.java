package io.vfleet.assignment.application;

/**
 * A watcher asked to continue from a position the change log no longer covers (its changes were
 * compacted away): it has to list again. {@link #oldestResumable} is the oldest position that can be
 * continued from now.
 */
public final class RelistRequired extends RuntimeException {

    private final long oldestResumable;

    public RelistRequired(long asked, long oldestResumable) {
        super("the changes after revision " + asked + " are no longer kept (the oldest position to resume from is "
                + oldestResumable + "): list again");
        this.oldestResumable = oldestResumable;
    }

    public long oldestResumable() {
        return oldestResumable;
    }
}
