package io.vfleet.inventory.application;

import java.time.Clock;
import java.time.Duration;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Drops changes older than the retention window, so that the log stays small. A watcher that falls
 * further behind than the window is told to list again rather than resume.
 */
public final class TrimChangeLog {
    private final ChangeLog changeLog;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final Duration retention;

    public TrimChangeLog(ChangeLog changeLog, TransactionTemplate transactions, Clock clock, Duration retention) {
        this.changeLog = changeLog;
        this.transactions = transactions;
        this.clock = clock;
        this.retention = retention;
    }

    /** How many changes were dropped. */
    public long trim() {
        return transactions.execute(status -> changeLog.pruneRecordedBefore(clock.instant().minus(retention)));
    }
}
