package io.vfleet.assignment;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code vfleet.reconcile.on-start} (default true) and {@code vfleet.reconcile.interval} (default
 * one minute; 0 turns periodic reconciliation off).
 */
@ConfigurationProperties("vfleet.reconcile")
record ReconcileProperties(Boolean onStart, Duration interval) {

    ReconcileProperties {
        onStart = onStart == null ? Boolean.TRUE : onStart;
        interval = interval == null ? Duration.ofMinutes(1) : interval;
        if (interval.isNegative()) {
            throw new IllegalStateException("vfleet.reconcile.interval must not be negative, was " + interval);
        }
    }
}
