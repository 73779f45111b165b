package io.vfleet.inventory.domain;

/**
 * A watcher asked to resume from a revision whose changes the log no longer holds: it must list the whole
 * inventory again and watch from the listed revision.
 */
public final class RelistRequired extends RuntimeException {
    private final Revision asked;
    private final Revision oldestResumable;

    public RelistRequired(Revision asked, Revision oldestResumable) {
        super("changes after revision " + asked + " are no longer kept (the oldest revision to resume from is "
                + oldestResumable + "); list again");
        this.asked = asked;
        this.oldestResumable = oldestResumable;
    }

    public Revision asked() {
        return asked;
    }

    public Revision oldestResumable() {
        return oldestResumable;
    }
}
