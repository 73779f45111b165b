package io.vfleet.assignment;

import io.vfleet.assignment.application.SignCheckpoint;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/**
 * Signs a checkpoint of the audit log every {@code vfleet.audit.checkpoints.interval} (0 for never),
 * whether or not it grew, so that a witness can tell a live log from a stalled one. Only the replica
 * whose sequencer leads signs, so the fleet issues one checkpoint per interval.
 */
final class CheckpointSchedule {

    private static final Logger log = LoggerFactory.getLogger(CheckpointSchedule.class);

    private final SignCheckpoint sign;
    private final BooleanSupplier leading;
    private final ScheduledExecutorService executor;
    private final Duration interval;

    CheckpointSchedule(SignCheckpoint sign, BooleanSupplier leading, ScheduledExecutorService executor, Duration interval) {
        this.sign = sign;
        this.leading = leading;
        this.executor = executor;
        this.interval = interval;
    }

    @EventListener(ApplicationReadyEvent.class)
    // signIfLeading logs its own failure, so the schedule's future never holds one to look at.
    @SuppressWarnings("FutureReturnValueIgnored")
    void start() {
        if (!interval.isZero()) {
            executor.scheduleWithFixedDelay(this::signIfLeading, Math.min(interval.toMillis(), 1_000), interval.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void signIfLeading() {
        if (!leading.getAsBoolean()) {
            return;
        }
        try {
            sign.sign();
        } catch (RuntimeException failed) {
            // The next interval tries again; a log changed after it was signed is logged by the use case.
            log.warn("the scheduled audit checkpoint was not signed: {}", failed.getMessage());
        }
    }
}
