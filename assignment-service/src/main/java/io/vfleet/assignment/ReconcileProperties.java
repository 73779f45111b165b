package io.vfleet.assignment;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code vfleet.reconcile.on-start} (default true), {@code vfleet.reconcile.on-registration} (default
 * true: a node whose agent registered again) and {@code vfleet.reconcile.interval} (default one
 * minute; 0 turns periodic reconciliation off). All three off leave the agents to another controller,
 * as a test that drives agents directly needs.
 */
@ConfigurationProperties("vfleet.reconcile")
record ReconcileProperties(Boolean onStart, Boolean onRegistration, Duration interval) {

    ReconcileProperties {
        onStart = onStart == null ? Boolean.TRUE : onStart;
        onRegistration = onRegistration == null ? Boolean.TRUE : onRegistration;
        interval = interval == null ? Duration.ofMinutes(1) : interval;
        if (interval.isNegative()) {
            throw new IllegalStateException("vfleet.reconcile.interval must not be negative, was " + interval);
        }
    }
}
