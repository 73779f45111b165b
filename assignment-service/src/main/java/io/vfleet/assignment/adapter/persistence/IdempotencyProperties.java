package io.vfleet.assignment.adapter.persistence;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code vfleet.idempotency.key-lifetime} (default 24 hours): how long an Idempotency-Key answers
 * with the assignment it created; after it, the same key starts a new request. Expired keys are
 * deleted every {@code vfleet.idempotency.purge-interval} (default 10 minutes).
 */
@ConfigurationProperties("vfleet.idempotency")
public record IdempotencyProperties(Duration keyLifetime, Duration purgeInterval) {

    public IdempotencyProperties {
        keyLifetime = keyLifetime == null ? Duration.ofHours(24) : keyLifetime;
        purgeInterval = purgeInterval == null ? Duration.ofMinutes(10) : purgeInterval;
        if (keyLifetime.isNegative() || keyLifetime.isZero()) {
            throw new IllegalStateException("vfleet.idempotency.key-lifetime must be positive, was " + keyLifetime);
        }
        if (purgeInterval.isNegative() || purgeInterval.isZero()) {
            throw new IllegalStateException("vfleet.idempotency.purge-interval must be positive, was " + purgeInterval);
        }
    }
}
