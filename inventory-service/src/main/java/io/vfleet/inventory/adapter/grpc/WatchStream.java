package io.vfleet.inventory.adapter.grpc;

import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.vfleet.api.inventory.v1.ListAndWatchResponse;
import io.vfleet.api.inventory.v1.ListChunk;
import io.vfleet.api.inventory.v1.Synced;
import io.vfleet.inventory.application.ListAndWatch;
import io.vfleet.security.Caller;
import io.vfleet.inventory.domain.Change;
import io.vfleet.inventory.domain.InventorySnapshot;
import io.vfleet.inventory.domain.Revision;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One {@code ListAndWatch} call: the list in chunks, {@code Synced}, then changes until the caller cancels
 * or falls too far behind. Sends only while the transport is ready for more, so a slow watcher is held
 * back here instead of piling messages up in memory.
 *
 * <p>Threads: the gRPC handler thread registers the handlers and starts one virtual thread, which alone
 * sends. {@code lock} and {@code ready} serve the readiness wait only; {@code cancelled} is volatile.
 */
final class WatchStream {
    private static final int NODES_PER_CHUNK = 100;
    private static final int DEVICES_PER_CHUNK = 500;
    /** How long a quiet watcher waits before looking at the log anyway, for writers in other processes. */
    private static final Duration POLL = Duration.ofSeconds(1);

    private final ListAndWatch listAndWatch;
    private final Caller caller;
    private final ServerCallStreamObserver<ListAndWatchResponse> responses;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private volatile boolean cancelled;

    WatchStream(ListAndWatch listAndWatch, Caller caller, ServerCallStreamObserver<ListAndWatchResponse> responses) {
        this.listAndWatch = listAndWatch;
        this.caller = caller;
        this.responses = responses;
    }

    /** @param resumeAfter the revision to resume after, or null to list first */
    void start(Long resumeAfter) {
        responses.setOnCancelHandler(this::cancel);
        responses.setOnReadyHandler(this::signalReady);
        Thread.ofVirtual().name("watch-" + caller.subject()).start(() -> run(resumeAfter));
    }

    private void run(Long resumeAfter) {
        try (ListAndWatch.Watch watch = open(resumeAfter)) {
            send(ListAndWatchResponse.newBuilder().setSynced(Synced.newBuilder().setRevision(watch.position().value())).build());
            while (!cancelled) {
                for (Change change : watch.next(POLL)) {
                    send(ListAndWatchResponse.newBuilder().setChange(InventoryMessages.toMessage(change)).build());
                }
            }
        } catch (InterruptedException | StatusRuntimeException gone) {
            // The caller cancelled, or the transport went away under us: nobody is left to tell.
        } catch (RuntimeException refused) {
            if (!cancelled) {
                responses.onError(InventoryStatus.of(refused));
            }
        }
    }

    private ListAndWatch.Watch open(Long resumeAfter) throws InterruptedException {
        if (resumeAfter != null) {
            return listAndWatch.watch(caller, new Revision(resumeAfter));
        }
        InventorySnapshot snapshot = listAndWatch.list(caller);
        // The watch is opened before the list is sent, so that a slow list cannot fall out of the log.
        ListAndWatch.Watch watch = listAndWatch.watch(caller, snapshot.revision());
        try {
            sendList(snapshot);
        } catch (InterruptedException | RuntimeException failed) {
            watch.close();
            throw failed;
        }
        return watch;
    }

    private void sendList(InventorySnapshot snapshot) throws InterruptedException {
        List<io.vfleet.inventory.domain.Node> nodes = snapshot.nodes();
        for (int start = 0; start < nodes.size(); start += NODES_PER_CHUNK) {
            ListChunk.Builder chunk = ListChunk.newBuilder();
            nodes.subList(start, Math.min(nodes.size(), start + NODES_PER_CHUNK))
                    .forEach(node -> chunk.addNodes(InventoryMessages.toMessage(node)));
            send(ListAndWatchResponse.newBuilder().setListChunk(chunk).build());
        }
        var devices = snapshot.devices();
        for (int start = 0; start < devices.size(); start += DEVICES_PER_CHUNK) {
            ListChunk.Builder chunk = ListChunk.newBuilder();
            devices.subList(start, Math.min(devices.size(), start + DEVICES_PER_CHUNK))
                    .forEach(device -> chunk.addDevices(InventoryMessages.toMessage(device)));
            send(ListAndWatchResponse.newBuilder().setListChunk(chunk).build());
        }
    }

    private void send(ListAndWatchResponse response) throws InterruptedException {
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
