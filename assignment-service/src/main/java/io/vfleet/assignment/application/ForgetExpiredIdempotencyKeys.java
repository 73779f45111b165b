package io.vfleet.assignment.application;

import io.vfleet.assignment.application.port.IdempotencyKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Deletes the Idempotency-Keys past their lifetime, a batch per transaction, so that a purge after a
 * long pause locks little at a time. A claim never honours an expired key, purged or not: this only
 * keeps the table at the size of a lifetime's requests.
 */
public final class ForgetExpiredIdempotencyKeys {

    private static final Logger log = LoggerFactory.getLogger(ForgetExpiredIdempotencyKeys.class);

    static final int BATCH = 1_000;

    private final TransactionOperations transactions;
    private final IdempotencyKeys idempotencyKeys;

    public ForgetExpiredIdempotencyKeys(TransactionOperations transactions, IdempotencyKeys idempotencyKeys) {
        this.transactions = transactions;
        this.idempotencyKeys = idempotencyKeys;
    }

    /** How many keys were deleted. */
    public int forget() {
        int forgotten = 0;
        int batch;
        do {
            batch = transactions.execute(status -> idempotencyKeys.forgetExpired(BATCH));
            forgotten += batch;
        } while (batch == BATCH);
        if (forgotten > 0) {
            int total = forgotten;
            log.atDebug().log(() -> "forgot " + total + " expired Idempotency-Key(s)");
        }
        return forgotten;
    }
}
