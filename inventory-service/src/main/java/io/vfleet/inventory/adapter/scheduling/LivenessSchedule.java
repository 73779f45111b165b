package io.vfleet.inventory.adapter.scheduling;

import io.vfleet.inventory.application.MarkUnreachableNodes;
import io.vfleet.inventory.application.TrimChangeLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Runs the liveness check and the change log trim on a fixed delay, so that runs never overlap. */
@Component
@ConditionalOnProperty(name = "vfleet.inventory.scheduling-enabled", havingValue = "true", matchIfMissing = true)
class LivenessSchedule {
    private static final Logger LOG = LoggerFactory.getLogger(LivenessSchedule.class);

    private final MarkUnreachableNodes markUnreachableNodes;
    private final TrimChangeLog trimChangeLog;

    LivenessSchedule(MarkUnreachableNodes markUnreachableNodes, TrimChangeLog trimChangeLog) {
        this.markUnreachableNodes = markUnreachableNodes;
        this.trimChangeLog = trimChangeLog;
    }

    @Scheduled(fixedDelayString = "${vfleet.inventory.liveness-check-interval}")
    void markUnreachable() {
        var marked = markUnreachableNodes.markUnreachable();
        if (!marked.isEmpty()) {
            LOG.warn("marked unreachable after missed heartbeats: {}", marked);
        }
    }

    @Scheduled(fixedDelayString = "${vfleet.inventory.change-log-trim-interval}")
    void trimChangeLog() {
        long removed = trimChangeLog.trim();
        if (removed > 0) {
            LOG.info("trimmed {} changes past the retention window", removed);
        }
    }
}
