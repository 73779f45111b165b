package io.vfleet.agent.state;

import io.vfleet.agent.failpoint.Failpoint;
import io.vfleet.agent.state.JournalRecovery.SegmentFile;
import io.vfleet.agent.state.v1.Base;
import io.vfleet.agent.state.v1.Change;
import io.vfleet.agent.state.v1.Frame;
import io.vfleet.agent.state.v1.TenantUid;
import io.vfleet.agent.vmm.Assignment;
import io.vfleet.agent.vmm.AssignmentTable;
import io.vfleet.engine.JournalEntry;
import io.vfleet.engine.snapshot.HostSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's state on disk, in its state directory: a base that holds the whole state as of one
 * change ({@code agent.base}), and a journal of every change made since, written to segment files
 * ({@code journal-<first change>.log}) that were preallocated and synced ahead of need
 * ({@link SegmentSpares}), so that a flush's fdatasync writes its frame and no file system metadata.
 * The changes are the simulated host's system calls, with what they answered, and the agent's
 * assignment table ({@link AssignmentTable}); both go in one journal so that one sync covers both and
 * a crash leaves them agreeing. File layout: {@link Frames};
 * messages: {@code state.proto}; what a restart forgives and refuses: {@link JournalRecovery}.
 *
 * <p><b>Group commit.</b> A change is appended in memory ({@link #recordKernelChange}, {@link #put})
 * and numbered; {@link #awaitDurable(long)} returns once every change up to a number is on disk. The
 * first caller to find its changes not on disk flushes for everyone: it writes every pending change
 * as one frame and forces it; callers that arrive meanwhile wait for that flush to end, all woken at
 * once, find their changes covered, and return; the first of those whose changes came too late for
 * that frame writes the next one, with everything appended during the previous sync. So concurrent callers share fsyncs, and one caller
 * alone pays one per answer. A caller waits for the last change it made itself
 * ({@link #takeAppendedByThisThread()}), not for changes other callers made after it.
 *
 * <p><b>Compaction.</b> Once {@code compactEvery} changes have been made durable since the base, a
 * background thread takes a new base: with no system call in flight (the host's lock, through
 * {@link KernelSnapshots}) it copies the engine's snapshot (immutable records), the table and the
 * last change number, and asks the next flush to start a new segment; then it writes the base to a
 * temporary file, forces it, renames it over the old one and forces the directory; then it deletes the
 * segments whose changes the base holds. Callers wait only for the copy. A start does the same at
 * once ({@link #compactNow()}), which also drops a tail a crash tore.
 *
 * <p><b>Failure.</b> A write or sync that fails leaves the disk behind memory for good (after a failed
 * fsync the kernel may have dropped the pages): every later {@link #awaitDurable()} throws
 * {@link JournalFailure}, so nothing more is answered, and the agent must restart from what is on disk.
 *
 * <p>Locks: the host's lock (kernel changes are recorded under it) before {@link #appendLock};
 * {@link #progressLock} is never held while taking another; {@link #flushLock} before {@link #appendLock}.
 * The flush lock is never taken under the host's lock.
 */
public final class StateJournal implements AssignmentTable, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StateJournal.class);
    private static final String BASE_TEMPORARY = JournalRecovery.BASE + ".tmp";
    /** How much space each segment has preallocated: hundreds of changes per frame, thousands of frames. */
    public static final long SEGMENT_BYTES = 8L << 20;

    /** The simulated host's side of a base: its snapshot, taken with no system call in flight. */
    public interface KernelSnapshots {
        /** Runs {@code capture} on the host's snapshot while no system call can change the host. */
        <T> T whileQuiet(Function<HostSnapshot, T> capture);
    }

    /**
     * The host the state directory held, for the engine backend to restore: the snapshot in
     * {@code baseFile} (null when there is none) and the changes after it.
     */
    public record RecoveredKernel(HostSnapshot base, Path baseFile, List<RecordedChange> changes) {
    }

    /** A kernel change read back, and where it was read, for a refusal to name. */
    public record RecordedChange(JournalEntry entry, String where) {
    }

    /** What the journal has done since it opened, for metrics. */
    public record Statistics(long changes, long flushes, long bytesWritten, long syncNanos, long compactions) {
    }

    /** A change waiting for a flush: a kernel call, an assignment, a tenant's uid, or the node's term. */
    private record Pending(long sequence, Object record) {
    }

    private record TenantUidRecord(String tenant, int uid) {
    }

    private record NodeTermRecord(long term) {
    }

    /** A consistent cut of the state for a base. */
    private record Cut(long sequence, HostSnapshot kernel, List<Assignment> assignments, Map<String, Integer> tenantUids,
            long nodeTerm) {
    }

    private final Path directory;
    private final long compactEvery;

    private final ReentrantLock appendLock = new ReentrantLock();
    /**
     * Guarded by appendLock, as are {@link #assignments}, {@link #tenantUids} and {@link #nodeTerm}, the
     * table as of {@link #appended}.
     */
    private List<Pending> pending = new ArrayList<>();
    private long appended;
    private final Map<String, Assignment> assignments;
    private final Map<String, Integer> tenantUids;
    private long nodeTerm;
    /** {@link #appended} for readers without the lock. */
    private volatile long appendedSoFar;
    /** The last change each thread appended to this journal, until it takes it. */
    private final ThreadLocal<long[]> appendedByThread = ThreadLocal.withInitial(() -> new long[1]);
    private volatile long durable;

    /** Package-private so that a test can hold flushes back and line callers up behind it. */
    final ReentrantLock flushLock = new ReentrantLock();
    /**
     * Whether a caller is flushing for the others ({@link #flushing}), and its end ({@link #flushed}):
     * the callers it leaves waiting all wake at once when it is done, instead of taking the flush
     * lock one after the other only to find their changes on disk.
     */
    private final ReentrantLock progressLock = new ReentrantLock();
    private final Condition flushed = progressLock.newCondition();
    /** Guarded by progressLock. */
    private boolean flushing;
    /** Guarded by flushLock, as is {@link #spares}. */
    private Segment current;
    private final SegmentSpares spares;
    private final List<SegmentFile> closed = new ArrayList<>();
    private volatile boolean rotate;
    private volatile Throwable failure;

    private final AtomicBoolean compacting = new AtomicBoolean();
    private volatile Thread compaction;
    private volatile long baseSequence;
    private volatile KernelSnapshots kernel;
    private RecoveredKernel recoveredKernel;

    private final AtomicLong flushes = new AtomicLong();
    private final AtomicLong flushedChanges = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();
    private final AtomicLong syncNanos = new AtomicLong();
    private final AtomicLong compactions = new AtomicLong();

    private StateJournal(Path directory, long compactEvery, SegmentSpares spares, JournalRecovery.Recovered recovered) {
        this.directory = directory;
        this.compactEvery = compactEvery;
        this.spares = spares;
        this.assignments = new LinkedHashMap<>(recovered.assignments());
        this.tenantUids = new TreeMap<>(recovered.tenantUids());
        this.nodeTerm = recovered.nodeTerm();
        this.appended = recovered.lastSequence();
        this.appendedSoFar = appended;
        this.durable = appended;
        this.baseSequence = recovered.baseSequence();
        this.closed.addAll(recovered.segments());
        this.recoveredKernel = new RecoveredKernel(recovered.kernelBase(), directory.resolve(JournalRecovery.BASE),
                recovered.kernelChanges());
    }

    /**
     * Reads the state {@code directory} holds (creating it when absent); refuses with a
     * {@link StateException} one it cannot use. {@code compactEvery} is how many changes the journal
     * may hold beyond the base before a compaction starts.
     */
    public static StateJournal open(Path directory, long compactEvery) {
        return open(directory, compactEvery, SEGMENT_BYTES);
    }

    /** {@link #open(Path, long)} with segments of {@code segmentBytes} preallocated. */
    public static StateJournal open(Path directory, long compactEvery, long segmentBytes) {
        if (compactEvery < 1) {
            throw new IllegalArgumentException("compactEvery must be at least 1, was " + compactEvery);
        }
        try {
            Files.createDirectories(directory);
            Files.deleteIfExists(directory.resolve(BASE_TEMPORARY));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the state directory " + directory, e);
        }
        JournalRecovery.Recovered recovered = JournalRecovery.read(directory);
        recovered.tornTails().forEach(torn -> log.warn("{}", torn));
        log.info("Read the state in {}: base at change {}, {} changes after it", directory, recovered.baseSequence(),
                recovered.lastSequence() - recovered.baseSequence());
        SegmentSpares spares;
        try {
            spares = new SegmentSpares(directory, segmentBytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare journal segments in " + directory, e);
        }
        return new StateJournal(directory, compactEvery, spares, recovered);
    }

    // ---- the simulated host ----

    /**
     * The host the directory held, once: the engine backend restores it, replays the changes, then
     * {@link #attachKernel attaches} itself. A state whose host nobody takes cannot be compacted.
     */
    public RecoveredKernel takeRecoveredKernel() {
        RecoveredKernel taken = recoveredKernel;
        if (taken == null) {
            throw new IllegalStateException("the recovered host was already taken");
        }
        recoveredKernel = null;
        return taken;
    }

    /**
     * For a backend whose kernel keeps its own state (the real kernel): the journal then holds the
     * agent's assignments alone. A directory that holds a simulated host's state is refused with a
     * {@link StateException} before anything is served, rather than dropped by the next base.
     */
    public void declineRecoveredKernel() {
        RecoveredKernel untaken = takeRecoveredKernel();
        if (untaken.base() != null || !untaken.changes().isEmpty()) {
            recoveredKernel = untaken;
            throw new StateException(directory + " holds the kernel state of a simulated host, which this agent's kernel "
                    + "does not take; refusing to drop it");
        }
    }

    /** From now on, every base holds the host {@code snapshots} gives. */
    public void attachKernel(KernelSnapshots snapshots) {
        this.kernel = snapshots;
    }

    /** Records a system call that changed the host; called under the host's lock, in call order. */
    public void recordKernelChange(JournalEntry change) {
        append(change, null);
    }

    // ---- the assignment table ----

    @Override
    public Content load() {
        appendLock.lock();
        try {
            return new Content(tenantUids, List.copyOf(assignments.values()), nodeTerm);
        } finally {
            appendLock.unlock();
        }
    }

    @Override
    public void put(Assignment assignment) {
        append(assignment, assignment);
    }

    @Override
    public void putTenantUid(String tenant, int uid) {
        append(new TenantUidRecord(tenant, uid), null);
    }

    @Override
    public void putNodeTerm(long term) {
        append(new NodeTermRecord(term), null);
    }

    private void append(Object record, Assignment assignment) {
        appendLock.lock();
        try {
            if (assignment != null) {
                assignments.put(assignment.id(), assignment);
            } else if (record instanceof TenantUidRecord uid) {
                tenantUids.put(uid.tenant(), uid.uid());
            } else if (record instanceof NodeTermRecord node) {
                nodeTerm = node.term();
            }
            pending.add(new Pending(++appended, record));
            appendedSoFar = appended;
            appendedByThread.get()[0] = appended;
        } finally {
            appendLock.unlock();
        }
    }

    /** The number of the last change recorded, by any thread. */
    public long appended() {
        return appendedSoFar;
    }

    /**
     * The number of the last change the calling thread recorded since it last asked, or 0 when it
     * recorded none: what a reply made of this thread's work must wait for.
     */
    public long takeAppendedByThisThread() {
        long[] last = appendedByThread.get();
        long sequence = last[0];
        last[0] = 0;
        return sequence;
    }

    // ---- durability ----

    /** Returns once every change recorded so far is on disk; see {@link #awaitDurable(long)}. */
    public void awaitDurable() {
        awaitDurable(appendedSoFar);
    }

    /**
     * Returns once every change up to number {@code target} is on disk, writing and syncing the
     * pending ones unless a concurrent caller's flush covers them. {@link JournalFailure} once a flush
     * has failed, whatever the target: what is in memory is then ahead of the disk for good.
     */
    public void awaitDurable(long target) {
        if (failure != null) {
            throw new JournalFailure(failure);
        }
        if (durable >= target) {
            return;
        }
        progressLock.lock();
        try {
            while (durable < target && failure == null) {
                if (flushing) {
                    flushed.awaitUninterruptibly();
                    continue;
                }
                flushing = true;
                progressLock.unlock();
                try {
                    flushLock.lock();
                    try {
                        if (durable < target && failure == null) {
                            flush();
                        }
                    } finally {
                        flushLock.unlock();
                    }
                } finally {
                    progressLock.lock();
                    flushing = false;
                    flushed.signalAll();
                }
            }
        } finally {
            progressLock.unlock();
        }
        if (durable < target) {
            throw new JournalFailure(failure);
        }
        if (durable - baseSequence >= compactEvery && compacting.compareAndSet(false, true)) {
            compaction = Thread.ofPlatform().daemon().name("journal-compaction").start(this::compactInBackground);
        }
    }

    /** How many callers wait for a flush another caller is making; for tests that line callers up. */
    int waitingForAFlush() {
        progressLock.lock();
        try {
            return progressLock.getWaitQueueLength(flushed);
        } finally {
            progressLock.unlock();
        }
    }

    /** Writes every pending change as one frame and forces it; under the flush lock. */
    private void flush() {
        List<Pending> batch;
        appendLock.lock();
        try {
            batch = pending;
            pending = new ArrayList<>(Math.max(16, batch.size()));
        } finally {
            appendLock.unlock();
        }
        if (batch.isEmpty()) {
            throw new AssertionError("changes up to " + appendedSoFar + " were numbered, only " + durable + " are durable, "
                    + "and none is pending");
        }
        try {
            Frame.Builder frame = Frame.newBuilder();
            for (Pending change : batch) {
                frame.addChanges(encode(change));
            }
            byte[] bytes = Frames.frame(frame.build().toByteArray());
            long last = batch.getLast().sequence();
            Segment segment = segmentStartingAt(batch.getFirst().sequence(), bytes.length);
            segment.write(bytes, last);
            if (segment.halfFull()) {
                spares.prepareNext();
            }
            Failpoint.JOURNAL_WRITTEN.reach(directory.toString());
            long started = System.nanoTime();
            segment.force();
            syncNanos.addAndGet(System.nanoTime() - started);
            durable = last;
            flushes.incrementAndGet();
            flushedChanges.addAndGet(batch.size());
            bytesWritten.addAndGet(bytes.length);
        } catch (IOException | RuntimeException failed) {
            failure = failed;
            spares.close();
            log.error("The journal in {} failed; the agent answers nothing more and must restart from what is on disk",
                    directory, failed);
            throw new JournalFailure(failed);
        }
    }

    /** The segment the next frame goes to: a new one after a base was cut, or when the frame does not fit. */
    private Segment segmentStartingAt(long firstSequence, int frameBytes) throws IOException {
        if (current != null && (rotate || !current.fits(frameBytes)) && !current.isEmpty()) {
            current.close();
            closed.add(current.file());
            current = null;
        }
        if (current == null) {
            current = Segment.create(directory, firstSequence, spares);
        }
        rotate = false;
        return current;
    }

    private static Change encode(Pending change) {
        Change.Builder message = Change.newBuilder().setSequence(change.sequence());
        switch (change.record()) {
            case JournalEntry entry -> message.setKernel(KernelCalls.encode(entry));
            case Assignment assignment -> message.setAssignment(StateRecords.encode(assignment));
            case TenantUidRecord uid -> message.setTenantUid(TenantUid.newBuilder().setTenant(uid.tenant()).setUid(uid.uid()));
            case NodeTermRecord node -> message.setNodeTerm(node.term());
            default -> throw new AssertionError("not a change: " + change.record());
        }
        return message.build();
    }

    /** Whether a compaction is writing a base now. */
    boolean compactionRunning() {
        return compacting.get();
    }

    /** Why the journal stopped, or null while it works. */
    public Throwable failure() {
        return failure;
    }

    public Statistics statistics() {
        return new Statistics(flushedChanges.get(), flushes.get(), bytesWritten.get(), syncNanos.get(), compactions.get());
    }

    // ---- bases ----

    /**
     * Takes a base of everything recorded so far, now, and makes the pending changes durable: what a
     * start does before it serves, so that the journal it read (and any tail a crash tore) goes.
     */
    public void compactNow() {
        if (recoveredKernel != null) {
            declineRecoveredKernel();
        }
        if (!compacting.compareAndSet(false, true)) {
            throw new IllegalStateException("a compaction is running");
        }
        try {
            compact();
        } finally {
            compacting.set(false);
        }
        awaitDurable();
    }

    private void compactInBackground() {
        try {
            compact();
        } catch (RuntimeException failed) {
            // The journal keeps growing until a compaction succeeds; nothing answered is at risk.
            log.error("Compacting the journal in {} failed; it keeps its segments until the next compaction", directory, failed);
        } finally {
            compacting.set(false);
        }
    }

    /** Writes a base of everything recorded so far and deletes the segments it makes unneeded. */
    private void compact() {
        KernelSnapshots snapshots = kernel;
        Cut cut = snapshots == null ? cut(null) : snapshots.whileQuiet(this::cut);
        spares.prepareNext();
        Base.Builder base = Base.newBuilder().setSequence(cut.sequence()).setNodeTerm(cut.nodeTerm());
        if (cut.kernel() != null) {
            base.setKernel(StateRecords.encode(cut.kernel()));
        }
        cut.assignments().forEach(assignment -> base.addAssignments(StateRecords.encode(assignment)));
        cut.tenantUids().forEach((tenant, uid) -> base.addTenantUids(TenantUid.newBuilder().setTenant(tenant).setUid(uid)));
        try {
            writeBase(base.build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the base in " + directory, e);
        }
        baseSequence = cut.sequence();
        List<SegmentFile> obsolete = new ArrayList<>();
        flushLock.lock();
        try {
            closed.removeIf(segment -> {
                boolean held = segment.lastSequence() <= cut.sequence();
                if (held) {
                    obsolete.add(segment);
                }
                return held;
            });
        } finally {
            flushLock.unlock();
        }
        for (SegmentFile segment : obsolete) {
            try {
                Files.deleteIfExists(segment.path());
            } catch (IOException e) {
                log.warn("Cannot delete {}, which the base holds; a later compaction tries again", segment.path(), e);
            }
        }
        compactions.incrementAndGet();
    }

    /** What the base holds; under the host's lock when there is a host, so no call is half made. */
    private Cut cut(HostSnapshot snapshot) {
        appendLock.lock();
        try {
            rotate = true;
            return new Cut(appended, snapshot, List.copyOf(assignments.values()), new TreeMap<>(tenantUids), nodeTerm);
        } finally {
            appendLock.unlock();
        }
    }

    private void writeBase(Base base) throws IOException {
        Path temporary = directory.resolve(BASE_TEMPORARY);
        byte[] header = JournalRecovery.BASE_KIND.header();
        byte[] frame = Frames.frame(base.toByteArray());
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocate(header.length + frame.length).put(header).put(frame).flip();
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        Files.move(temporary, directory.resolve(JournalRecovery.BASE), StandardCopyOption.ATOMIC_MOVE);
        Segment.syncDirectory(directory);
    }

    /** Makes what is pending durable and waits for a running compaction; the journal takes nothing more after. */
    @Override
    public void close() {
        try {
            if (failure == null) {
                awaitDurable();
            }
        } finally {
            Thread running = compaction;
            if (running != null) {
                try {
                    running.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            flushLock.lock();
            try {
                spares.close();
                if (current != null) {
                    current.close();
                }
            } catch (IOException e) {
                log.warn("Closing the journal segment in {} failed", directory, e);
            } finally {
                flushLock.unlock();
            }
        }
    }
}
