package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.application.port.NodeLocks;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.stereotype.Repository;

/**
 * Node locks as PostgreSQL session-level advisory locks, keyed by a 64-bit hash of purpose and node:
 * each held lock keeps one connection of the pool, idle outside any transaction, for as long as it is
 * held; a replica that dies loses its sessions, and so its locks, with it. The key's hash may collide
 * for two nodes, which then only wait for each other's turn.
 */
@Repository
class AdvisoryNodeLocks implements NodeLocks {

    private static final Logger log = LoggerFactory.getLogger(AdvisoryNodeLocks.class);

    private final DataSource database;

    AdvisoryNodeLocks(DataSource database) {
        this.database = database;
    }

    @Override
    public Optional<Held> tryLock(String purpose, String node) {
        String key = "vfleet:" + purpose + ":" + node;
        Connection session = null;
        try {
            session = database.getConnection();
            session.setAutoCommit(true);
            if (!call(session, "select pg_try_advisory_lock(hashtextextended(?, 0))", key)) {
                session.close();
                return Optional.empty();
            }
            Connection held = session;
            return Optional.of(() -> unlock(held, key));
        } catch (SQLException failed) {
            closeQuietly(session);
            throw new DataAccessResourceFailureException("cannot take the advisory lock " + key, failed);
        }
    }

    private static void unlock(Connection session, String key) {
        try (session) {
            call(session, "select pg_advisory_unlock(hashtextextended(?, 0))", key);
        } catch (SQLException failed) {
            // The session is broken: closing it ends it, and the lock with it.
            log.debug("the advisory lock {} went with its broken session", key, failed);
        }
    }

    private static boolean call(Connection session, String sql, String key) throws SQLException {
        try (PreparedStatement statement = session.prepareStatement(sql)) {
            statement.setString(1, key);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getBoolean(1);
            }
        }
    }

    private static void closeQuietly(Connection session) {
        if (session != null) {
            try {
                session.close();
            } catch (SQLException ignored) {
                // Already broken; nothing more to let go of.
            }
        }
    }
}
