package io.vfleet.inventory.application;

import io.vfleet.inventory.domain.Revision;
import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The newest revision this process has seen committed, and a way for watchers to wait for a newer one
 * instead of polling the database. Writers in other processes are not seen here, which is why a waiting
 * watcher also wakes after its timeout and reads the log anyway.
 *
 * <p>Lock: {@code lock} guards {@code newest} and the condition.
 */
public final class CommittedRevision {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private Revision newest = Revision.NONE;

    /** Called after the transaction that wrote {@code revision} committed. */
    public void committed(Revision revision) {
        lock.lock();
        try {
            if (newest.isBefore(revision)) {
                newest = revision;
                advanced.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    public Revision newest() {
        lock.lock();
        try {
            return newest;
        } finally {
            lock.unlock();
        }
    }

    /** Waits until a revision after {@code seen} is committed here, or {@code timeout} passes. */
    public void awaitAfter(Revision seen, Duration timeout) throws InterruptedException {
        long remaining = timeout.toNanos();
        lock.lock();
        try {
            while (!seen.isBefore(newest) && remaining > 0) {
                remaining = advanced.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }
}
