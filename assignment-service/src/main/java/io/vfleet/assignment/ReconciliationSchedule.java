package io.vfleet.assignment;

import io.vfleet.assignment.application.ReconcileFleet;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * When {@link ReconcileFleet} runs on its own: once when the service is ready (a crash may have left
 * work half done on any node), then every {@code vfleet.reconcile.interval} (0 for never), on the
 * one reconciliation thread, which the inventory's re-registrations share.
 */
final class ReconciliationSchedule {

    private final ReconcileFleet fleet;
    private final ScheduledExecutorService executor;
    private final ReconcileProperties properties;

    ReconciliationSchedule(ReconcileFleet fleet, ScheduledExecutorService executor, ReconcileProperties properties) {
        this.fleet = fleet;
        this.executor = executor;
        this.properties = properties;
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        if (properties.onStart()) {
            executor.execute(fleet::reconcileAll);
        }
        Duration interval = properties.interval();
        if (!interval.isZero()) {
            executor.scheduleWithFixedDelay(fleet::reconcileAll, interval.toMillis(), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }
}
