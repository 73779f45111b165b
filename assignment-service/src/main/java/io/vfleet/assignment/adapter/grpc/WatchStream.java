package io.vfleet.assignment.adapter.grpc;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.vfleet.api.assignment.v1.AssignmentList;
import io.vfleet.api.assignment.v1.AssignmentsChanged;
import io.vfleet.api.assignment.v1.WatchAssignmentsResponse;
import io.vfleet.api.assignment.v1.WatchSynced;
import io.vfleet.security.Caller;
import io.vfleet.assignment.application.WatchAssignments;
import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.assignment.domain.Assignment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One {@code WatchAssignments} call: the list in chunks, {@code Synced}, then every revision's changes
 * until the caller cancels or falls further behind than the log keeps. Sends only while the transport is
 * ready for more, so a slow watcher is held back here instead of piling messages up in memory.
 *
 * <p>Threads: the gRPC handler thread registers the handlers and starts one virtual thread, which alone
 * sends. {@code lock} and {@code ready} serve the readiness wait only; {@code cancelled} is volatile.
 */
final class WatchStream {

    private static final int ASSIGNMENTS_PER_CHUNK = 200;
    /** How long a quiet watcher waits for changes before it looks again (and sees a cancel). */
    private static final Duration POLL = Duration.ofSeconds(1);

    private final WatchAssignments watches;
    private final Caller caller;
    private final ServerCallStreamObserver<WatchAssignmentsResponse> responses;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private volatile boolean cancelled;

    WatchStream(WatchAssignments watches, Caller caller, ServerCallStreamObserver<WatchAssignmentsResponse> responses) {
        this.watches = watches;
        this.caller = caller;
        this.responses = responses;
    }

    /** @param resumeAfter the revision to resume after, or null to list first */
    void start(String tenant, Long resumeAfter) {
        responses.setOnCancelHandler(this::cancel);
        responses.setOnReadyHandler(this::signalReady);
        Thread.ofVirtual().name("watch-assignments").start(() -> run(tenant, resumeAfter));
    }

    private void run(String tenant, Long resumeAfter) {
        try {
            WatchAssignments.Watch watch = open(tenant, resumeAfter);
            synced(watch.position());
            while (!cancelled) {
                WatchAssignments.Step step = watch.next(POLL);
                for (WatchAssignments.Changed changed : step.changed()) {
                    send(WatchAssignmentsResponse.newBuilder().setChanged(AssignmentsChanged.newBuilder()
                            .setRevision(changed.revision())
                            .addAllAssignments(changed.assignments().stream().map(AssignmentMessages::assignment).toList()))
                            .build());
                }
                if (step.bookmark()) {
                    synced(step.position());
                }
            }
        } catch (InterruptedException | StatusRuntimeException gone) {
            // The caller cancelled, or the transport went away under us: nobody is left to tell.
        } catch (RuntimeException refused) {
            if (!cancelled) {
                responses.onError(AssignmentStatus.of(refused));
            }
        }
    }

    private WatchAssignments.Watch open(String tenant, Long resumeAfter) throws InterruptedException {
        if (resumeAfter != null) {
            return watches.watch(caller, tenant, resumeAfter);
        }
        AssignmentChangeLog.Listing listing = watches.list(caller, tenant);
        // The watch is opened before the list is sent, so that a slow list cannot fall out of the log.
        WatchAssignments.Watch watch = watches.watch(caller, tenant, listing.position());
        List<Assignment> assignments = listing.assignments();
        for (int start = 0; start < assignments.size(); start += ASSIGNMENTS_PER_CHUNK) {
            send(WatchAssignmentsResponse.newBuilder().setListChunk(AssignmentList.newBuilder().addAllAssignments(
                    assignments.subList(start, Math.min(assignments.size(), start + ASSIGNMENTS_PER_CHUNK)).stream()
                            .map(AssignmentMessages::assignment).toList()))
                    .build());
        }
        return watch;
    }

    private void synced(long revision) throws InterruptedException {
        send(WatchAssignmentsResponse.newBuilder().setSynced(WatchSynced.newBuilder().setRevision(revision)).build());
    }

    private void send(WatchAssignmentsResponse response) throws InterruptedException {
        lock.lock();
        try {
            while (!responses.isReady() && !cancelled) {
                ready.await(POLL.toMillis(), TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
        if (cancelled) {
            throw new InterruptedException("the watcher cancelled");
        }
        responses.onNext(response);
    }

    private void signalReady() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Not by interrupting the sender: an interrupted virtual thread closes the database connection it is
     * reading from. It sees the flag within one {@link #POLL} instead.
     */
    private void cancel() {
        cancelled = true;
        signalReady();
    }
}
