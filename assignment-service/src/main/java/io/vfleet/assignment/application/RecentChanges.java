package io.vfleet.assignment.application;

import io.vfleet.assignment.domain.AssignmentChange;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The change log's latest stretch, in memory, as this replica's follower read it: watchers read from
 * here, so that however many there are, the database is read once per round; a watcher whose position
 * lies before the stretch reads the database itself.
 *
 * <p>Holds the changes after {@code from} up to {@code to}, in revision order, between {@code capacity}
 * and twice as many once full (the older half goes at once, moving {@code from}). Lock: {@code lock}
 * guards everything, and {@code advanced} is signalled when {@code to} moves.
 */
public final class RecentChanges {

    private final int capacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private final List<AssignmentChange> changes = new ArrayList<>();
    private long from;
    private long to;

    public RecentChanges(int capacity) {
        this.capacity = capacity;
    }

    /** Starts over at {@code position}: nothing before it is here. */
    void restart(long position) {
        lock.lock();
        try {
            changes.clear();
            from = position;
            to = position;
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** The changes the follower read, in revision order, that bring the stretch up to {@code position}. */
    void append(List<AssignmentChange> read, long position) {
        lock.lock();
        try {
            for (AssignmentChange change : read) {
                if (change.revision() > to) {
                    changes.add(change);
                }
            }
            if (changes.size() > 2 * capacity) {
                // Whole revisions only: the stretch never starts inside one.
                int cut = changes.size() - capacity;
                long dropped = changes.get(cut - 1).revision();
                while (cut < changes.size() && changes.get(cut).revision() == dropped) {
                    cut++;
                }
                changes.subList(0, cut).clear();
                from = dropped;
            }
            if (position > to) {
                to = position;
                advanced.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The position up to which the stretch goes. */
    public long position() {
        lock.lock();
        try {
            return to;
        } finally {
            lock.unlock();
        }
    }

    /** What a reader at a position has to read next, and the position after it. */
    public record Read(List<AssignmentChange> changes, long position) {}

    /**
     * The changes after {@code position}, waiting up to {@code wait} for some when the stretch does not
     * go past it yet; empty when {@code position} lies before the stretch (read the database instead).
     */
    public Optional<Read> after(long position, Duration wait) throws InterruptedException {
        lock.lock();
        try {
            long remaining = wait.toNanos();
            while (position >= from && to <= position && remaining > 0) {
                remaining = advanced.awaitNanos(remaining);
            }
            if (position < from) {
                return Optional.empty();
            }
            int first = firstAfter(position);
            return Optional.of(new Read(List.copyOf(changes.subList(first, changes.size())), Math.max(position, to)));
        } finally {
            lock.unlock();
        }
    }

    /** The index of the first change after {@code position}: a binary search, the changes being in revision order. */
    private int firstAfter(long position) {
        int low = 0;
        int high = changes.size();
        while (low < high) {
            int middle = (low + high) >>> 1;
            if (changes.get(middle).revision() <= position) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        return low;
    }
}
