package io.vfleet.assignment;

import io.vfleet.assignment.application.ForgetExpiredIdempotencyKeys;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;

/** Runs {@link ForgetExpiredIdempotencyKeys} every {@code vfleet.idempotency.purge-interval}, on a thread of its own. */
final class IdempotencyKeyExpiry implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeyExpiry.class);

    private final ForgetExpiredIdempotencyKeys forget;
    private final Duration interval;
    private final ScheduledExecutorService executor =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("idempotency-keys").daemon().factory());

    IdempotencyKeyExpiry(ForgetExpiredIdempotencyKeys forget, Duration interval) {
        this.forget = forget;
        this.interval = interval;
    }

    @EventListener(ApplicationReadyEvent.class)
    // forgetLogged logs its own failure, so the schedule's future never holds one to look at.
    @SuppressWarnings("FutureReturnValueIgnored")
    void start() {
        executor.scheduleWithFixedDelay(this::forgetLogged, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void forgetLogged() {
        try {
            forget.forget();
        } catch (RuntimeException failed) {
            // The database may be away; the next run tries again, and claims ignore expired keys meanwhile.
            log.warn("forgetting expired Idempotency-Keys failed", failed);
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
