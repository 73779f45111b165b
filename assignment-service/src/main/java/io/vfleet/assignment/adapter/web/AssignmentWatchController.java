package io.vfleet.assignment.adapter.web;

import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import io.vfleet.assignment.adapter.web.AssignmentBodies.AssignmentBody;
import io.vfleet.assignment.application.RelistRequired;
import io.vfleet.assignment.application.RequestFields;
import io.vfleet.assignment.application.WatchAssignments;
import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.rest.Refuses;
import io.vfleet.security.Caller;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/v1/assignments/watch}: list-then-watch as Server-Sent Events, the same as the gRPC
 * {@code WatchAssignments}. Without a revision to resume after: {@code list} events (JSON arrays of
 * assignments) with the live assignments, then {@code synced} with the revision they are at; then a
 * {@code changed} event per revision, {@code {"revision": R, "assignments": [...]}}, and {@code synced}
 * again now and then when only changes the caller may not see went by. Every {@code synced} and
 * {@code changed} carries its revision as the event id, so a client that reconnects with
 * {@code Last-Event-ID} (as EventSource does) or {@code resumeAfter} misses nothing and sees nothing twice.
 *
 * <p>Resuming where the log no longer reaches is 410 with a {@code relist-required} problem; a watcher
 * that falls that far behind mid-stream gets a {@code relist} event and the stream ends: list again. A
 * quiet stream carries a comment line every {@link #HEARTBEAT}, which keeps proxies from closing it and
 * lets the service notice a client that left; the service's shutdown ends every stream first, so that
 * clients reconnect to another replica rather than wait.
 */
@RestController
class AssignmentWatchController implements SmartLifecycle {

    private static final int ASSIGNMENTS_PER_EVENT = 200;
    private static final Duration POLL = Duration.ofSeconds(1);
    private static final Duration HEARTBEAT = Duration.ofSeconds(15);

    private final WatchAssignments watches;
    private final Set<SseEmitter> open = ConcurrentHashMap.newKeySet();
    private volatile boolean running;

    AssignmentWatchController(WatchAssignments watches) {
        this.watches = watches;
    }

    @GetMapping(path = "/api/v1/assignments/watch", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @Tag(name = "Assignments")
    @Operation(operationId = "watchAssignments", summary = "List then watch assignments as Server-Sent Events, resuming "
            + "after a revision")
    @ApiResponse(responseCode = "200", description = "Events `list`, `synced`, `changed` and `relist`, each a JSON object "
            + "or array; `synced` and `changed` carry their revision as the event id.",
            content = @Content(mediaType = MediaType.TEXT_EVENT_STREAM_VALUE, schema = @Schema(type = "string")))
    @Refuses(status = 410, when = "The change log no longer reaches the revision to resume after "
            + "(relist-required, with oldestResumableRevision): list again.")
    SseEmitter watch(Caller caller,
            @RequestParam(required = false) String tenant,
            @RequestParam(required = false) Long resumeAfter,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId) {
        RequestFields fields = new RequestFields();
        fields.name("tenant", tenant, false);
        fields.range("resumeAfter", resumeAfter, 0, Long.MAX_VALUE, false);
        Long lastEvent = revision(fields, lastEventId);
        fields.requireValid();
        Long resume = resumeAfter != null ? resumeAfter : lastEvent;
        // Opened here, in the request, so that a refusal (400, 410) is an ordinary problem answer.
        AssignmentChangeLog.Listing listing = resume == null ? watches.list(caller, tenant) : null;
        WatchAssignments.Watch watch = watches.watch(caller, tenant, resume == null ? listing.position() : resume);
        SseEmitter events = new SseEmitter(0L);
        open.add(events);
        Runnable forget = () -> open.remove(events);
        events.onCompletion(forget);
        events.onError(failure -> forget.run());
        Thread.ofVirtual().name("watch-assignments-sse").start(() -> stream(events, listing, watch));
        return events;
    }

    /** The revision an SSE client's {@code Last-Event-ID} names: the id of the last event it had. */
    private static Long revision(RequestFields fields, String lastEventId) {
        if (lastEventId == null) {
            return null;
        }
        try {
            if (lastEventId.chars().allMatch(Character::isDigit)) {
                return Long.parseLong(lastEventId);
            }
        } catch (NumberFormatException tooLarge) {
            // Refused below, as any other value that is no revision.
        }
        fields.fault("Last-Event-ID", "must be a revision this service sent: digits, at most " + Long.MAX_VALUE);
        return null;
    }

    @Override
    public void start() {
        running = true;
    }

    /** Ends every open stream, before the web server waits for requests to finish. */
    @Override
    public void stop() {
        running = false;
        open.forEach(SseEmitter::complete);
        open.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void stream(SseEmitter events, AssignmentChangeLog.Listing listing, WatchAssignments.Watch watch) {
        try {
            if (listing != null) {
                List<AssignmentBody> assignments = listing.assignments().stream().map(AssignmentBody::of).toList();
                for (int start = 0; start < assignments.size(); start += ASSIGNMENTS_PER_EVENT) {
                    events.send(SseEmitter.event().name("list").data(
                            assignments.subList(start, Math.min(assignments.size(), start + ASSIGNMENTS_PER_EVENT)),
                            MediaType.APPLICATION_JSON));
                }
            }
            synced(events, watch.position());
            long sentAt = System.nanoTime();
            while (open.contains(events)) {
                WatchAssignments.Step step = watch.next(POLL);
                if (!step.changed().isEmpty() || step.bookmark()) {
                    sentAt = System.nanoTime();
                } else if (System.nanoTime() - sentAt > HEARTBEAT.toNanos()) {
                    events.send(SseEmitter.event().comment("heartbeat"));
                    sentAt = System.nanoTime();
                }
                for (WatchAssignments.Changed changed : step.changed()) {
                    events.send(SseEmitter.event().name("changed").id(Long.toString(changed.revision())).data(Map.of(
                            "revision", changed.revision(),
                            "assignments", changed.assignments().stream().map(AssignmentBody::of).toList()),
                            MediaType.APPLICATION_JSON));
                }
                if (step.bookmark()) {
                    synced(events, step.position());
                }
            }
        } catch (IOException | IllegalStateException gone) {
            // The client went away (or the emitter was completed under us): nobody is left to tell.
            events.complete();
        } catch (InterruptedException stopping) {
            events.complete();
        } catch (RelistRequired relist) {
            try {
                events.send(SseEmitter.event().name("relist").data(Map.of("detail", relist.getMessage(),
                        "oldestResumableRevision", relist.oldestResumable()), MediaType.APPLICATION_JSON));
                events.complete();
            } catch (IOException | IllegalStateException gone) {
                events.complete();
            }
        } catch (RuntimeException failed) {
            events.completeWithError(failed);
        }
    }

    private static void synced(SseEmitter events, long revision) throws IOException {
        events.send(SseEmitter.event().name("synced").id(Long.toString(revision)).data(Map.of("revision", revision),
                MediaType.APPLICATION_JSON));
    }
}
