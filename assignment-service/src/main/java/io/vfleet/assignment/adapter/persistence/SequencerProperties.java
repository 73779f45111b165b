package io.vfleet.assignment.adapter.persistence;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code vfleet.audit.sequencer.poll} (default 200 ms): how often the leading sequencer looks for
 * events committed by other replicas (its own replica's wake it at once);
 * {@code vfleet.audit.sequencer.linger} (default 20 ms): how long it lets further commits gather
 * once woken; {@code vfleet.audit.sequencer.standby-retry} (default 1 s): how often a standby tries
 * to lead.
 */
@ConfigurationProperties("vfleet.audit.sequencer")
record SequencerProperties(Duration poll, Duration linger, Duration standbyRetry) {

    SequencerProperties {
        poll = poll == null ? Duration.ofMillis(200) : poll;
        linger = linger == null ? Duration.ofMillis(20) : linger;
        standbyRetry = standbyRetry == null ? Duration.ofSeconds(1) : standbyRetry;
        if (poll.isNegative() || poll.isZero() || standbyRetry.isNegative() || standbyRetry.isZero() || linger.isNegative()) {
            throw new IllegalStateException("vfleet.audit.sequencer.poll and .standby-retry must be positive, .linger not negative");
        }
    }
}
