package io.vfleet.assignment;

import io.vfleet.assignment.application.ReconcileFleet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * When {@link ReconcileFleet} runs on its own: on every known node and every statically configured
 * agent as soon as the service is ready (a crash may have left work half done on any of them), then
 * every {@code vfleet.reconcile.interval} (0 for never). The inventory feed asks for each node it
 * lists besides. Asking is all this thread does: the runs themselves go on {@link ReconcileFleet}'s.
 */
final class ReconciliationSchedule {

    private static final Logger log = LoggerFactory.getLogger(ReconciliationSchedule.class);

    private final ReconcileFleet fleet;
    private final ScheduledExecutorService scheduler;
    private final ReconcileProperties properties;
    private final List<String> configuredNodes;

    ReconciliationSchedule(ReconcileFleet fleet, ScheduledExecutorService scheduler, ReconcileProperties properties,
            List<String> configuredNodes) {
        this.fleet = fleet;
        this.scheduler = scheduler;
        this.properties = properties;
        this.configuredNodes = List.copyOf(configuredNodes);
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (properties.onStart()) {
            scheduler.execute(() -> {
                fleet.dueEverywhere();
                fleet.dueOn(configuredNodes);
            });
        }
        Duration interval = properties.interval();
        if (!interval.isZero()) {
            scheduleEvery(interval);
        }
    }

    // Each round logs its own failure (round), so the schedule's future never holds one to look at.
    @SuppressWarnings("FutureReturnValueIgnored")
    private void scheduleEvery(Duration interval) {
        scheduler.scheduleWithFixedDelay(this::round, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One periodic round: a periodic task that throws is never run again, so a failed round is logged instead. */
    private void round() {
        try {
            fleet.dueEverywhere();
        } catch (RuntimeException failed) {
            log.warn("nodes could not be marked due for reconciliation; the next round comes in {}", properties.interval(),
                    failed);
        }
    }
}
