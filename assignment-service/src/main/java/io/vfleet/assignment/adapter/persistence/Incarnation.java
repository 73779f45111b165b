package io.vfleet.assignment.adapter.persistence;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * This run of the service: a number no other live run holds, taken as a session-level PostgreSQL
 * advisory lock on a connection kept for the run's lifetime. Every step the run stores is stamped
 * with it, so that any replica can tell whether the run that left a step unfinished is still alive:
 * when a process dies, however it dies, its connection closes and PostgreSQL lets go of the lock.
 *
 * <p>A run that loses its connection (the database restarted) takes the lock again as soon as it can;
 * meanwhile other replicas may take its unfinished steps over, which the agents' fencing epochs make
 * safe: the newer decision wins there.
 */
@Component
final class Incarnation implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Incarnation.class);

    /** The first key of the two-key advisory locks: "vflt", so that no other use of advisory locks meets ours. */
    static final int NAMESPACE = 0x76666c74;

    private static final Duration CHECK_EVERY = Duration.ofSeconds(2);

    private final DataSource dataSource;
    private final Thread watchdog;
    private volatile int id;
    /** Guarded by this. */
    private Connection connection;
    private volatile boolean closed;

    Incarnation(DataSource dataSource) {
        this.dataSource = dataSource;
        try {
            lock(true);
        } catch (SQLException failed) {
            throw new IllegalStateException("cannot take this run's advisory lock in PostgreSQL", failed);
        }
        log.info("this run of the service is incarnation {}", id);
        watchdog = Thread.ofVirtual().name("incarnation-watchdog").start(this::watch);
    }

    /** The number this run stamps on what it stores. */
    int id() {
        return id;
    }

    /**
     * Takes the lock on a fresh connection: a new random number for a new run, the same one again
     * after a lost connection (a new one only if another run took it meanwhile).
     */
    private synchronized void lock(boolean fresh) throws SQLException {
        Connection candidate = dataSource.getConnection();
        try {
            candidate.setAutoCommit(true);
            int attempt = fresh ? randomId() : id;
            while (!tryLock(candidate, attempt)) {
                attempt = randomId();
            }
            if (!fresh && attempt != id) {
                log.warn("incarnation {} was taken while the database was away; this run is now {}", id, attempt);
            }
            id = attempt;
            connection = candidate;
        } catch (SQLException | RuntimeException failed) {
            discard(candidate);
            throw failed;
        }
    }

    private static boolean tryLock(Connection connection, int id) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("select pg_try_advisory_lock(?, ?)")) {
            statement.setInt(1, NAMESPACE);
            statement.setInt(2, id);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private static int randomId() {
        return ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
    }

    private void watch() {
        while (!closed) {
            try {
                Thread.sleep(CHECK_EVERY);
            } catch (InterruptedException stopping) {
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                try {
                    if (connection != null && connection.isValid((int) CHECK_EVERY.toSeconds())) {
                        continue;
                    }
                    if (connection != null) {
                        log.warn("the connection holding incarnation {} is lost; taking it again", id);
                        discard(connection);
                        connection = null;
                    }
                    lock(false);
                    log.info("incarnation {} held again", id);
                } catch (SQLException stillAway) {
                    log.debug("the database is still away: {}", stillAway.getMessage());
                }
            }
        }
    }

    /**
     * Lets go of the lock, then closes the connection. Unlocking first keeps the promise even when the
     * connection cannot be told apart from the pool's own (a data source that wraps the pool's
     * connections), which would otherwise take it back into the pool, lock and all.
     */
    @Override
    public synchronized void close() {
        closed = true;
        watchdog.interrupt();
        if (connection != null) {
            try (PreparedStatement unlock = connection.prepareStatement("select pg_advisory_unlock(?, ?)")) {
                unlock.setInt(1, NAMESPACE);
                unlock.setInt(2, id);
                unlock.execute();
            } catch (SQLException gone) {
                // The connection is broken: the lock went with its session.
                log.debug("incarnation {} went with its connection: {}", id, gone.getMessage());
            }
            discard(connection);
            connection = null;
        }
    }

    /**
     * Closes the connection for good, never back into the pool for reuse: a pooled session would keep
     * the lock (and this run would seem alive after it died). Evicted first, the pool closes it when
     * it comes back.
     */
    private void discard(Connection held) {
        try {
            if (dataSource.isWrapperFor(HikariDataSource.class)) {
                dataSource.unwrap(HikariDataSource.class).evictConnection(held);
            }
            held.close();
        } catch (SQLException ignored) {
            // A connection that is already gone.
        }
    }
}
