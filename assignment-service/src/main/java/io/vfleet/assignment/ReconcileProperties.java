package io.vfleet.assignment;

import io.vfleet.assignment.application.ReconcileFleet;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code vfleet.reconcile.on-start} (default true): reconcile every node the service knows, and every
 * statically configured agent, when it is ready; {@code vfleet.reconcile.on-registration} (default
 * true): reconcile a node as soon as the inventory lists it with an agent the service has not
 * reconciled with (every node of the first list after a start, a node whose agent registered again);
 * {@code vfleet.reconcile.interval} (default one minute; 0 turns
 * periodic reconciliation off); {@code vfleet.reconcile.parallelism} (default 16): how many nodes are
 * reconciled at once; {@code vfleet.reconcile.settling} (default 30 s): how long a step that a live
 * run of the service drives is left to it. On-start, on-registration and the interval all off leave
 * the agents to another controller, as a test that drives agents directly needs.
 */
@ConfigurationProperties("vfleet.reconcile")
record ReconcileProperties(Boolean onStart, Boolean onRegistration, Duration interval, Integer parallelism, Duration settling) {

    ReconcileProperties {
        onStart = onStart == null ? Boolean.TRUE : onStart;
        onRegistration = onRegistration == null ? Boolean.TRUE : onRegistration;
        interval = interval == null ? Duration.ofMinutes(1) : interval;
        parallelism = parallelism == null ? ReconcileFleet.Settings.DEFAULTS.parallelism() : parallelism;
        settling = settling == null ? ReconcileFleet.Settings.DEFAULTS.settling() : settling;
        if (interval.isNegative()) {
            throw new IllegalStateException("vfleet.reconcile.interval must not be negative, was " + interval);
        }
        if (parallelism < 1) {
            throw new IllegalStateException("vfleet.reconcile.parallelism must be at least 1, was " + parallelism);
        }
        if (settling.isNegative()) {
            throw new IllegalStateException("vfleet.reconcile.settling must not be negative, was " + settling);
        }
    }

    ReconcileFleet.Settings fleetSettings() {
        return new ReconcileFleet.Settings(parallelism, settling, onRegistration);
    }
}
