package io.vfleet.assignment;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code vfleet.reconcile.on-start} (default true): reconcile every node the service knows when it is
 * ready, and each node the inventory lists as soon as it does; {@code vfleet.reconcile.interval}
 * (default one minute; 0 turns periodic reconciliation off); {@code vfleet.reconcile.parallelism}
 * (default 16): how many nodes are reconciled at once.
 */
@ConfigurationProperties("vfleet.reconcile")
record ReconcileProperties(Boolean onStart, Duration interval, Integer parallelism) {

    ReconcileProperties {
        onStart = onStart == null ? Boolean.TRUE : onStart;
        interval = interval == null ? Duration.ofMinutes(1) : interval;
        parallelism = parallelism == null ? 16 : parallelism;
        if (interval.isNegative()) {
            throw new IllegalStateException("vfleet.reconcile.interval must not be negative, was " + interval);
        }
        if (parallelism < 1) {
            throw new IllegalStateException("vfleet.reconcile.parallelism must be at least 1, was " + parallelism);
        }
    }
}
