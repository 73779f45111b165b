package io.vfleet.assignment.adapter.persistence;

import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.tlog.Frontier;
import io.vfleet.tlog.Hash;
import io.vfleet.tlog.MerkleTree;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Links committed audit events into the log: numbers them in commit order, computes their leaves and
 * the subtree hashes they complete, and stores both. One sequencer links for the whole fleet.
 *
 * <p><b>Leadership.</b> Every replica runs one; the one that holds a PostgreSQL session advisory lock
 * ({@link #LOCK}) leads, the others try again every {@code standbyRetry}. The leader links on the
 * very connection whose session holds the lock, so it can link only while it holds it: when the
 * connection or the server goes, the lock goes with it, the leader's next statement fails, and it
 * steps down and becomes a standby. The primary key of {@code audit_log} and the uniqueness of its
 * {@code event_id} are the last word: two linkers could never give one number or one event twice.
 *
 * <p><b>Commit order, nothing skipped.</b> Each round runs in one REPEATABLE READ transaction, so
 * it sees exactly the transactions that committed before its snapshot. An event that committed
 * before another is therefore linked in the same round or an earlier one, never later; within a
 * round events are ordered by their writers' commit timestamps ({@code track_commit_timestamp},
 * which the sequencer requires), then transaction id, then the order they were written.
 *
 * <p><b>What a round reads.</b> A snapshot names the writers it cannot see yet: those still running
 * when it was taken ({@code xip}) and those that began after ({@code xid >= xmax}). Every other
 * writer had ended, so its events, if it committed, were linked in that round. The next round
 * therefore reads only the events of those writers ({@link Unseen}): an index lookup per running
 * writer and one index range, whatever the statistics say about the tables and however long a
 * transaction that wrote something (a migration, a session left open) stays the oldest running
 * one. A writer still running is looked at again every round until it ends, so its events are
 * linked as soon as they are visible, or never if it aborted. The oldest running writer
 * ({@code xmin}) is stored with each link as the horizon: a new leader, which knows no earlier
 * snapshot, reads once every event of a writer from that horizon on that is not linked yet
 * ({@link Unlinked}), and from then on only what its own snapshots did not see.
 *
 * <p><b>Lag.</b> Events written by this replica wake the leader when their transaction commits (if
 * this replica leads), which then waits {@code linger} for more to join the round; otherwise the
 * leader looks every {@code poll}. A standby that takes over starts within {@code standbyRetry} of
 * the lock's release.
 */
public final class AuditSequencer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(AuditSequencer.class);

    /** The advisory lock key of the audit sequencer: "vfleetAS" in ASCII. */
    static final long LOCK = 0x7666_6c65_6574_4153L;

    /** Events read and linked per batch of a round. */
    private static final int ROUND_LIMIT = 5_000;

    /**
     * Where a test holds the sequencer: between reading committed events and linking them. Called on
     * the sequencer's thread with the ids of the events about to be linked; it may block.
     */
    @FunctionalInterface
    public interface Hook {
        Hook NONE = eventIds -> {};

        void beforeLink(List<Long> eventIds) throws InterruptedException;
    }

    /**
     * How the sequencer runs: how often the leader looks for work, how long it lets commits gather
     * once woken, and how often a standby tries for the lock.
     */
    public record Timing(Duration poll, Duration linger, Duration standbyRetry) {}

    private final DataSource dataSource;
    private final Timing timing;
    private final Hook hook;
    private final ReentrantLock wakeLock = new ReentrantLock();
    private final Condition woken = wakeLock.newCondition();
    private boolean wakeRequested;
    private volatile boolean running;
    private volatile boolean leading;
    // Written by the sequencer's thread alone, read by metrics and tests from others.
    private final AtomicLong rounds = new AtomicLong();
    private final AtomicLong linked = new AtomicLong();
    private Thread thread;

    // Confined to the sequencer's thread.
    private Connection connection;
    private Frontier frontier;
    private long horizon;
    /** The last round's snapshot, or null when this leader has not completed a round yet. */
    private Snapshot lastSeen;

    public AuditSequencer(DataSource dataSource, Timing timing, Hook hook) {
        this.dataSource = dataSource;
        this.timing = timing;
        this.hook = hook;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().name("audit-sequencer").daemon().start(this::run);
    }

    /** Stops linking and gives up the lock; a round under way is rolled back. */
    @Override
    public synchronized void stop() {
        running = false;
        if (thread == null) {
            return;
        }
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
        thread = null;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Whether this replica's sequencer holds the lock. */
    public boolean leading() {
        return leading;
    }

    /** Rounds this sequencer ran as leader, for tests and metrics. */
    public long rounds() {
        return rounds.get();
    }

    /** Events this sequencer linked. */
    public long linked() {
        return linked.get();
    }

    /** Asks the leader to look for committed events now. */
    public void wake() {
        wakeLock.lock();
        try {
            wakeRequested = true;
            woken.signalAll();
        } finally {
            wakeLock.unlock();
        }
    }

    /**
     * Wakes the leader once the caller's transaction commits, if this replica leads: the events it
     * wrote are linked as soon as they can be. Once per transaction, however many events it writes.
     */
    public void wakeAfterCommit() {
        if (TransactionSynchronizationManager.hasResource(this)) {
            return;
        }
        TransactionSynchronizationManager.bindResource(this, true);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCompletion(int status) {
                TransactionSynchronizationManager.unbindResourceIfPossible(AuditSequencer.this);
                if (status == STATUS_COMMITTED) {
                    wake();
                }
            }
        });
    }

    private void run() {
        try {
            while (running) {
                if (!roundOrStepDown()) {
                    pause(timing.standbyRetry());
                }
            }
        } catch (InterruptedException interrupted) {
            // Stopped.
        } finally {
            stepDown();
        }
    }

    /** Leads a round, then waits for work; answers false when it does not lead (any more). */
    private boolean roundOrStepDown() throws InterruptedException {
        try {
            if (connection == null && !lead()) {
                return false;
            }
            linkCommitted();
            rounds.incrementAndGet();
            pause(timing.poll());
            // Commits that come in the meantime join the next round: fewer, larger rounds under load.
            Thread.sleep(timing.linger());
            return true;
        } catch (SQLException | RuntimeException failed) {
            if (running) {
                log.warn("the audit sequencer stepped down: {}", failed.getMessage());
            }
            stepDown();
            return false;
        }
    }

    /** Tries to take the lock on a connection of its own; on success, resumes from the stored log. */
    private boolean lead() throws SQLException {
        Connection candidate = dataSource.getConnection();
        try {
            candidate.setAutoCommit(true);
            try (Statement statement = candidate.createStatement();
                 ResultSet locked = statement.executeQuery("select pg_try_advisory_lock(" + LOCK + ")")) {
                locked.next();
                if (!locked.getBoolean(1)) {
                    candidate.close();
                    return false;
                }
            }
            try (Statement statement = candidate.createStatement();
                 ResultSet setting = statement.executeQuery("show track_commit_timestamp")) {
                setting.next();
                if (!"on".equals(setting.getString(1))) {
                    log.error("the audit log cannot be ordered by commit: PostgreSQL runs with track_commit_timestamp off."
                            + " Set track_commit_timestamp = on (it takes a restart of PostgreSQL); until then no event"
                            + " is linked and audit reads say how many are waiting");
                    candidate.close();
                    return false;
                }
            }
            try (Statement statement = candidate.createStatement();
                 ResultSet last = statement.executeQuery(
                         "select horizon::text from assignment.audit_log order by sequence desc limit 1")) {
                horizon = last.next() ? Long.parseUnsignedLong(last.getString(1)) : 0;
            }
            candidate.setAutoCommit(false);
            candidate.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connection = candidate;
            frontier = null;
            lastSeen = null;
            leading = true;
            log.info("this replica links the audit log now, from the horizon {}", horizon);
            return true;
        } catch (SQLException | RuntimeException failed) {
            candidate.close();
            throw failed;
        }
    }

    private void stepDown() {
        leading = false;
        frontier = null;
        lastSeen = null;
        if (connection != null) {
            try {
                // Closing the session releases its advisory lock; a pooled connection is reset first.
                try (Statement statement = connection.createStatement()) {
                    connection.rollback();
                    connection.setAutoCommit(true);
                    statement.execute("select pg_advisory_unlock_all()");
                }
            } catch (SQLException gone) {
                log.debug("the sequencer's connection is gone already: {}", gone.getMessage());
            }
            try {
                connection.close();
            } catch (SQLException ignored) {
                log.debug("closing the sequencer's connection failed: {}", ignored.getMessage());
            }
            connection = null;
        }
    }

    /** One round: everything committed before this round's snapshot and not linked yet, in commit order. */
    private void linkCommitted() throws SQLException, InterruptedException {
        try {
            Snapshot snapshot = snapshot();
            long size = storedSize();
            if (frontier == null || frontier.size() != size) {
                frontier = Frontier.of(size, new JdbcAuditLog.StoredTree(new NamedParameterJdbcTemplate(
                        new SingleConnectionDataSource(connection, true))));
            }
            Candidates candidates = lastSeen == null ? new Unlinked(horizon) : new Unseen(lastSeen, snapshot);
            // In batches, all in this round's snapshot: the horizon moves only once it is all linked.
            List<Committed> committed;
            OrderKey after = OrderKey.FIRST;
            boolean linkedAny = false;
            do {
                committed = committed(candidates, after);
                if (!committed.isEmpty()) {
                    hook.beforeLink(committed.stream().map(Committed::id).toList());
                    link(committed, snapshot.xmin());
                    after = committed.getLast().key();
                }
                linkedAny |= !committed.isEmpty();
            } while (committed.size() == ROUND_LIMIT);
            // A round that linked nothing wrote nothing: it only ends its snapshot.
            if (linkedAny) {
                connection.commit();
                linked.addAndGet(frontier.size() - size);
            } else {
                connection.rollback();
            }
            horizon = Math.max(horizon, snapshot.xmin());
            lastSeen = snapshot;
        } catch (SQLException | RuntimeException | InterruptedException failed) {
            frontier = null;
            lastSeen = null;
            throw failed;
        }
    }

    /**
     * A round's snapshot: the oldest writer still running ({@code xmin}), the first not begun
     * ({@code xmax}), and those in between still running ({@code running}), as PostgreSQL's
     * {@code pg_snapshot} gives them. Transaction ids are unsigned 64-bit values.
     */
    private record Snapshot(long xmin, long xmax, String running) {}

    private Snapshot snapshot() throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet snapshot = statement.executeQuery("""
                     select pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text,
                            array(select pg_snapshot_xip(s))::text
                     from pg_current_snapshot() s
                     """)) {
            snapshot.next();
            return new Snapshot(Long.parseUnsignedLong(snapshot.getString(1)), Long.parseUnsignedLong(snapshot.getString(2)),
                    snapshot.getString(3));
        }
    }

    /** Which events a round reads: its read statement, and the values of its condition. */
    private sealed interface Candidates {
        String read();

        int bind(PreparedStatement query, int first) throws SQLException;
    }

    /**
     * A batch of a round: the events that {@code condition} picks, in commit order, from just after
     * an {@link OrderKey} on.
     */
    private static String readStatement(String condition) {
        return """
                select e.id, 0 as sequence, e.at, e.principal, e.kind, e.tenant, e.node, e.devices, e.assignment_id, e.detail,
                       k.committed_at::text as committed_at, e.writer::text as writer_text
                from assignment.audit_events e
                cross join lateral (select coalesce(pg_xact_commit_timestamp(e.writer::xid), '-infinity'::timestamptz)
                                    as committed_at) k
                where %s
                  and (k.committed_at, e.writer, e.id) > (cast(? as timestamptz), cast(? as xid8), ?)
                order by k.committed_at, e.writer, e.id
                limit ?
                """.formatted(condition);
    }

    /**
     * Every event of a writer from the horizon on that is not linked yet: what a new leader, which
     * knows no earlier snapshot, must read once.
     */
    private record Unlinked(long horizon) implements Candidates {
        private static final String READ = readStatement("""
                e.writer >= cast(? as xid8)
                  and not exists (select 1 from assignment.audit_log l where l.event_id = e.id)""");

        @Override
        public String read() {
            return READ;
        }

        @Override
        public int bind(PreparedStatement query, int first) throws SQLException {
            query.setString(first, Long.toUnsignedString(horizon));
            return first + 1;
        }
    }

    /**
     * The events of the writers that the last round's snapshot could not see: those running then,
     * and those begun since, up to what this round's snapshot can see. The upper bound changes
     * nothing in what is read; it makes the range a bounded one, which the planner estimates as
     * narrow and reads from the index even when the table has no statistics.
     */
    private record Unseen(Snapshot last, Snapshot now) implements Candidates {
        private static final String READ = readStatement("""
                (e.writer = any(cast(? as xid8[]))
                  or (e.writer >= cast(? as xid8) and e.writer < cast(? as xid8)))""");

        @Override
        public String read() {
            return READ;
        }

        @Override
        public int bind(PreparedStatement query, int first) throws SQLException {
            query.setString(first, last.running());
            query.setString(first + 1, Long.toUnsignedString(last.xmax()));
            query.setString(first + 2, Long.toUnsignedString(now.xmax()));
            return first + 3;
        }
    }

    /**
     * Where an event stands in commit order: its writer's commit time (the infinite past if none was
     * recorded), its writer and its id. Kept as PostgreSQL's text of each, so that the next batch of a
     * round starts exactly after it.
     */
    private record OrderKey(String committedAt, String writer, long id) {
        static final OrderKey FIRST = new OrderKey("-infinity", "0", 0);
    }

    private record Committed(long id, AuditEvent event, OrderKey key) {}

    private long storedSize() throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet size = statement.executeQuery("select coalesce(max(sequence), 0) from assignment.audit_log")) {
            size.next();
            return size.getLong(1);
        }
    }

    private List<Committed> committed(Candidates candidates, OrderKey after) throws SQLException {
        List<Committed> committed = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(candidates.read())) {
            int next = candidates.bind(query, 1);
            query.setString(next, after.committedAt());
            query.setString(next + 1, after.writer());
            query.setLong(next + 2, after.id());
            query.setInt(next + 3, ROUND_LIMIT);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    long id = rows.getLong("id");
                    committed.add(new Committed(id, JdbcAuditLog.event(rows),
                            new OrderKey(rows.getString("committed_at"), rows.getString("writer_text"), id)));
                }
            }
        }
        return committed;
    }

    /**
     * Numbers the events after the stored log, and stores their links and the subtree hashes they
     * complete: one statement for each, however many events the batch has.
     */
    private void link(List<Committed> committed, long snapshotHorizon) throws SQLException {
        Long[] sequences = new Long[committed.size()];
        Long[] events = new Long[committed.size()];
        List<Frontier.StoredHash> completed = new ArrayList<>();
        for (int position = 0; position < committed.size(); position++) {
            Committed event = committed.get(position);
            long sequence = frontier.size() + 1;
            sequences[position] = sequence;
            events[position] = event.id();
            completed.addAll(frontier.append(MerkleTree.leafHash(event.event().numbered(sequence).canonical())));
        }
        Short[] levels = new Short[completed.size()];
        Long[] indexes = new Long[completed.size()];
        byte[][] hashes = new byte[completed.size()][];
        for (int position = 0; position < completed.size(); position++) {
            Frontier.StoredHash stored = completed.get(position);
            levels[position] = (short) stored.subtree().level();
            indexes[position] = stored.subtree().index();
            hashes[position] = stored.hash().bytes();
        }
        try (PreparedStatement logged = connection.prepareStatement("""
                     insert into assignment.audit_log (sequence, event_id, horizon)
                     select link.sequence, link.event_id, cast(? as xid8)
                     from unnest(cast(? as bigint[]), cast(? as bigint[])) as link (sequence, event_id)
                     """);
             PreparedStatement hashed = connection.prepareStatement("""
                     insert into assignment.audit_tree (level, index, hash)
                     select subtree.level, subtree.index, subtree.hash
                     from unnest(cast(? as smallint[]), cast(? as bigint[]), cast(? as bytea[])) as subtree (level, index, hash)
                     """)) {
            logged.setString(1, Long.toUnsignedString(snapshotHorizon));
            logged.setArray(2, connection.createArrayOf("bigint", sequences));
            logged.setArray(3, connection.createArrayOf("bigint", events));
            logged.executeUpdate();
            hashed.setArray(1, connection.createArrayOf("smallint", levels));
            hashed.setArray(2, connection.createArrayOf("bigint", indexes));
            hashed.setArray(3, connection.createArrayOf("bytea", hashes));
            hashed.executeUpdate();
        }
    }

    private void pause(Duration duration) throws InterruptedException {
        wakeLock.lock();
        try {
            long remaining = duration.toNanos();
            while (!wakeRequested && remaining > 0 && running) {
                remaining = woken.awaitNanos(remaining);
            }
            wakeRequested = false;
        } finally {
            wakeLock.unlock();
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
    }
}
