package io.vfleet.retry;

import java.util.concurrent.ScheduledExecutorService;

/** A deliberate violation for DependencyWhitelistTest: a backoff that schedules the retries itself. */
final class BackoffScheduling {
    private BackoffScheduling() {}

    static String names() {
        return ScheduledExecutorService.class.getName();
    }
}
