package io.vfleet.inventory.domain;

/**
 * A point in the inventory's history: the global revision number, which grows by one with every committed
 * change (a registration that changed something, a node becoming unreachable or coming back), in commit
 * order. Watchers resume from the revision they last saw.
 *
 * <p>Invariant: not negative; {@link #NONE} (0) is the empty inventory before its first change.
 */
public record Revision(long value) implements Comparable<Revision> {
    public static final Revision NONE = new Revision(0);

    public Revision {
        if (value < 0) {
            throw new IllegalArgumentException("a revision is 0 or more, got " + value);
        }
    }

    public boolean isBefore(Revision other) {
        return value < other.value;
    }

    public Revision next() {
        return new Revision(value + 1);
    }

    @Override
    public int compareTo(Revision other) {
        return Long.compare(value, other.value);
    }

    @Override
    public String toString() {
        return Long.toString(value);
    }
}
