package io.vfleet.agent.state;

import io.vfleet.engine.Host;
import io.vfleet.engine.snapshot.HostSnapshot;
import io.vfleet.engine.snapshot.SnapshotException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's snapshot of the agent's host ({@link HostSnapshot}) in {@code kernel.snapshot} of the
 * state directory, so that an agent restart is not a host reboot.
 *
 * <p>Changes are counted, not recorded: the host itself journals what a snapshot needs. The count
 * is read before the host is encoded, so a snapshot holds at least every change counted until
 * then; a change made while it is being encoded is counted again and written next time.
 *
 * <p>Two ways to write: {@link #write()} at once, for a batch whose answer must not outrun its
 * state (a Prepare, a Release, shutdown), and {@link #writeWithinDelay()}, which leaves the write
 * to a background thread at most {@code delay} later, so that one snapshot covers every call of
 * that interval (see {@code SyscallsService} for why an answered call may precede its snapshot).
 * A delay of zero makes the second the first.
 *
 * <p>Writes are serialised by {@link #writing}: two writers racing could rename an older snapshot
 * over a newer one. The host's lock is held only while encoding, never across the file system
 * calls, so system calls go on while a snapshot is being written.
 */
public final class SnapshotFile implements AutoCloseable {
    public static final String FILE = "kernel.snapshot";
    /** What the agent kept before the engine had snapshots; this agent does not read it. */
    private static final String EARLIER_JOURNAL = "syscalls.journal";
    private static final Logger log = LoggerFactory.getLogger(SnapshotFile.class);

    private final Host host;
    private final Path file;
    private final Duration delay;
    private final ReentrantLock writing = new ReentrantLock();
    private final AtomicLong changes = new AtomicLong();
    private final AtomicBoolean writeScheduled = new AtomicBoolean();
    private final ScheduledThreadPoolExecutor scheduler;
    private volatile long written = -1;

    private SnapshotFile(Host host, Path file, Duration delay) {
        this.host = host;
        this.file = file;
        this.delay = delay;
        this.scheduler = delay.isZero() ? null : backgroundWriter();
    }

    /** One daemon thread; at shutdown a pending write is dropped (close writes instead) and a running one finishes. */
    private static ScheduledThreadPoolExecutor backgroundWriter() {
        var writer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("kernel-snapshot").daemon().factory());
        writer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        writer.setRemoveOnCancelPolicy(true);
        return writer;
    }

    /**
     * The host saved in {@code stateDirectory}, or empty when none was. A snapshot the engine
     * refuses (corrupt, truncated, from a newer engine, or replaying differently) is an
     * {@link IllegalStateException} that carries the engine's reason: starting on a fresh host
     * instead would silently drop every device the saved one had bound.
     */
    public static Optional<Host> restore(Path stateDirectory) {
        Path file = stateDirectory.resolve(FILE);
        if (!Files.exists(file)) {
            if (Files.exists(stateDirectory.resolve(EARLIER_JOURNAL))) {
                throw new IllegalStateException(stateDirectory + " holds the " + EARLIER_JOURNAL + " of an earlier agent and no "
                        + FILE + "; this agent cannot read it, and booting a fresh host would lose its state");
            }
            return Optional.empty();
        }
        try {
            return Optional.of(HostSnapshot.restore(file));
        } catch (SnapshotException refused) {
            throw new IllegalStateException("cannot restore the kernel state from " + file + ": " + refused.getMessage(), refused);
        }
    }

    /** Keeps {@code host} in {@code stateDirectory}, writing it now so that the file always exists. */
    public static SnapshotFile create(Host host, Path stateDirectory, Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("the snapshot delay " + delay + " is negative");
        }
        try {
            Files.createDirectories(stateDirectory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the state directory " + stateDirectory, e);
        }
        SnapshotFile snapshot = new SnapshotFile(host, stateDirectory.resolve(FILE), delay);
        snapshot.write();
        return snapshot;
    }

    /** The host may have changed; counted for the next write. */
    public void changed() {
        changes.incrementAndGet();
    }

    /** Writes the host now if some change is not in the file yet; on return, every change counted before the call is. */
    public void write() {
        writing.lock();
        try {
            long counted = changes.get();
            if (counted == written) {
                return;
            }
            HostSnapshot.write(host, file);
            written = counted;
        } finally {
            writing.unlock();
        }
    }

    /** Makes sure a write that covers every change counted so far starts within the delay. */
    public void writeWithinDelay() {
        if (scheduler == null) {
            write();
            return;
        }
        if (changes.get() == written || !writeScheduled.compareAndSet(false, true)) {
            return;
        }
        try {
            scheduler.schedule(this::scheduledWrite, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closing) {
            writeScheduled.set(false);
            write();
        }
    }

    private void scheduledWrite() {
        // Cleared before the count is read, so a change counted after this schedules another write.
        writeScheduled.set(false);
        try {
            write();
        } catch (RuntimeException failed) {
            // Nothing waits for this write; the next change schedules another, and shutdown writes once more.
            log.error("Writing the kernel state to {} failed; it is behind until the next write succeeds", file, failed);
        }
    }

    /** Stops the background writer and writes what it had not written yet. */
    @Override
    public void close() {
        if (scheduler != null) {
            // Not shutdownNow: interrupting a running write would close its file channel under it.
            scheduler.shutdown();
            try {
                if (!scheduler.awaitTermination(10, TimeUnit.SECONDS)) {
                    log.warn("The background snapshot write is still running; writing once more after it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        write();
    }
}
