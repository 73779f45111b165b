package io.vfleet.assignment;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The change log, as this replica follows it ({@code vfleet.changes.*}):
 *
 * <ul>
 *   <li>{@code follow-interval} (200 ms): how often it is read for what other replicas committed. Until
 *       then another replica's reservation can cost this one a retry, and its release a moment's wait,
 *       never a wrong decision; watchers hear of changes within about this long.
 *   <li>{@code retention} (15 min): how long every change is kept, so that a watcher can resume within it;
 *       older ones are compacted away, but each live assignment's latest change stays.
 *   <li>{@code recent-changes} (50,000): how many of the latest changes are kept in memory for watchers.
 * </ul>
 */
@ConfigurationProperties("vfleet.changes")
record ChangesProperties(Duration followInterval, Duration retention, Integer recentChanges) {

    ChangesProperties {
        followInterval = followInterval == null ? Duration.ofMillis(200) : followInterval;
        retention = retention == null ? Duration.ofMinutes(15) : retention;
        recentChanges = recentChanges == null ? 50_000 : recentChanges;
        if (followInterval.isNegative() || followInterval.isZero()) {
            throw new IllegalArgumentException("vfleet.changes.follow-interval must be positive, was " + followInterval);
        }
        if (retention.isNegative()) {
            throw new IllegalArgumentException("vfleet.changes.retention must not be negative, was " + retention);
        }
        if (recentChanges < 1) {
            throw new IllegalArgumentException("vfleet.changes.recent-changes must be at least 1, was " + recentChanges);
        }
    }
}
