package io.vfleet.assignment;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How often the fleet view reads the change log for what other replicas committed
 * ({@code vfleet.fleet-view.follow-interval}, 200 ms): until then another replica's reservation can cost
 * this one a retry, and its release a moment's wait, never a wrong decision.
 */
@ConfigurationProperties("vfleet.fleet-view")
record FleetViewProperties(Duration followInterval) {

    FleetViewProperties {
        followInterval = followInterval == null ? Duration.ofMillis(200) : followInterval;
        if (followInterval.isNegative() || followInterval.isZero()) {
            throw new IllegalArgumentException("vfleet.fleet-view.follow-interval must be positive, was " + followInterval);
        }
    }
}
