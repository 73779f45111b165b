package io.vfleet.assignment.adapter.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.support.AssignmentDatabase;
import io.vfleet.tlog.Frontier;
import io.vfleet.tlog.MerkleTree;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;

/**
 * The sequencer against a real PostgreSQL: commit order, leadership, and a crash between the commit
 * of events and their linking. It runs in a database of its own, whose advisory locks no service
 * context of the other tests competes for.
 */
class AuditSequencerTest {

    private static final String DATABASE = "audit_sequencer_test";
    private static final Duration POLL = Duration.ofMillis(20);

    private static DataSource service;
    private static DataSource superuser;
    private final List<AuditSequencer> started = new ArrayList<>();

    @BeforeAll
    static void migrateADatabaseOfItsOwn() {
        Flyway.configure().dataSource(AssignmentDatabase.separate(DATABASE, AssignmentDatabase.OWNER)).schemas("assignment")
                .placeholders(Map.of("service_role", AssignmentDatabase.SERVICE)).load().migrate();
        service = AssignmentDatabase.separate(DATABASE, AssignmentDatabase.SERVICE);
        superuser = AssignmentDatabase.separate(DATABASE, AssignmentDatabase.SUPERUSER);
    }

    @BeforeEach
    void emptyTheLog() {
        new JdbcTemplate(superuser).execute("""
                set session_replication_role = replica;
                truncate assignment.audit_checkpoints, assignment.audit_tree, assignment.audit_log, assignment.audit_events;
                set session_replication_role = origin;
                """);
    }

    @AfterEach
    void stopTheSequencers() {
        started.forEach(AuditSequencer::stop);
    }

    private AuditSequencer sequencer(AuditSequencer.Hook hook) {
        AuditSequencer sequencer = new AuditSequencer(service, new AuditSequencer.Timing(POLL, Duration.ZERO, POLL), hook);
        sequencer.start();
        started.add(sequencer);
        return sequencer;
    }

    /** Writes one event in its own transaction on {@code connection}, which stays open until committed. */
    private static long write(Connection connection, String detail) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("""
                insert into assignment.audit_events (at, principal, kind, devices, detail)
                values (now(), 'test:sequencer', 'TENANT_POLICY', '{}', ?) returning id
                """)) {
            insert.setString(1, detail);
            var result = insert.executeQuery();
            result.next();
            return result.getLong(1);
        }
    }

    private static Connection transaction() throws SQLException {
        Connection connection = service.getConnection();
        connection.setAutoCommit(false);
        return connection;
    }

    private static long writeAndCommit(String detail) throws SQLException {
        try (Connection connection = transaction()) {
            long id = write(connection, detail);
            connection.commit();
            return id;
        }
    }

    /** The details of the linked events, in sequence order. */
    private static List<String> linked() {
        return new JdbcTemplate(service).queryForList("""
                select e.detail from assignment.audit_log l join assignment.audit_events e on e.id = l.event_id
                order by l.sequence
                """, String.class);
    }

    /** The stored tree's root is the one its events give, and the sequence has no gap. */
    private static void assertTheLogIsWhole(int size) {
        NamedParameterJdbcTemplate jdbc = new NamedParameterJdbcTemplate(service);
        JdbcAuditLog log = new JdbcAuditLog(jdbc, new AuditSequencer(service, new AuditSequencer.Timing(POLL, Duration.ZERO, POLL),
                AuditSequencer.Hook.NONE));
        assertThat(log.size()).isEqualTo(size);
        Frontier recomputed = Frontier.empty();
        long expected = 1;
        for (var logged : log.read(1, size + 1)) {
            assertThat(logged.event().sequence()).isEqualTo(expected++);
            recomputed.append(MerkleTree.leafHash(logged.event().canonical()));
        }
        assertThat(recomputed.size()).isEqualTo(size);
        assertThat(MerkleTree.root(size, log.tree())).isEqualTo(recomputed.root());
    }

    @Test
    void anEventIsLinkedInTheOrderItsTransactionCommittedNotBegan() throws Exception {
        AuditSequencer sequencer = sequencer(AuditSequencer.Hook.NONE);
        try (Connection earlier = transaction()) {
            write(earlier, "began first, commits last");
            writeAndCommit("began second, commits first");
            await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 1);
            assertThat(linked()).containsExactly("began second, commits first");
            earlier.commit();
        }
        writeAndCommit("third");

        await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 3);
        assertThat(linked()).containsExactly("began second, commits first", "began first, commits last", "third");
        assertThat(sequencer.leading()).isTrue();
        assertTheLogIsWhole(3);
    }

    @Test
    void anEventWhoseTransactionRolledBackIsNeverLinkedAndHoldsNothingBack() throws Exception {
        sequencer(AuditSequencer.Hook.NONE);
        try (Connection abandoned = transaction()) {
            write(abandoned, "rolled back");
            writeAndCommit("kept");
            abandoned.rollback();
        }
        writeAndCommit("kept too");

        // Links follow commit order, so once the event committed after the rollback is linked, nothing
        // before it is still to come: the rolled-back one held nothing back and never will be linked.
        await().atMost(Duration.ofSeconds(10)).until(() -> linked().contains("kept too"));
        assertThat(linked()).containsExactly("kept", "kept too");
        assertTheLogIsWhole(2);
    }

    @Test
    void ofTwoSequencersOnOneDatabaseOnlyTheLeaderLinksAndTheOtherTakesOverWhenItGoes() throws Exception {
        Map<Long, String> linkedBy = new ConcurrentHashMap<>();
        Set<Long> linkedTwice = ConcurrentHashMap.newKeySet();
        AuditSequencer first = sequencer(ids -> ids.forEach(id -> {
            if (linkedBy.putIfAbsent(id, "first") != null) {
                linkedTwice.add(id);
            }
        }));
        await().atMost(Duration.ofSeconds(10)).until(first::leading);
        AuditSequencer second = sequencer(ids -> ids.forEach(id -> {
            if (linkedBy.putIfAbsent(id, "second") != null) {
                linkedTwice.add(id);
            }
        }));

        List<Long> written = Collections.synchronizedList(new ArrayList<>());
        ExecutorService writers = Executors.newFixedThreadPool(8);
        for (int writer = 0; writer < 8; writer++) {
            int number = writer;
            writers.execute(() -> {
                for (int event = 0; event < 25; event++) {
                    try {
                        written.add(writeAndCommit("writer " + number + " event " + event));
                    } catch (SQLException failed) {
                        throw new IllegalStateException(failed);
                    }
                }
            });
        }
        writers.shutdown();
        assertThat(writers.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
        await().atMost(Duration.ofSeconds(20)).until(() -> linked().size() == 200);

        assertThat(second.leading()).isFalse();
        assertThat(second.rounds()).isZero();
        assertThat(linkedBy.values()).containsOnly("first");

        first.stop();
        await().atMost(Duration.ofSeconds(10)).until(second::leading);
        for (int event = 0; event < 20; event++) {
            written.add(writeAndCommit("after the first stepped down " + event));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 220);

        assertThat(linkedTwice).isEmpty();
        assertThat(new HashSet<>(linkedBy.keySet())).isEqualTo(new HashSet<>(written));
        assertThat(linkedBy.values().stream().filter("second"::equals).count()).isEqualTo(20);
        assertTheLogIsWhole(220);
    }

    @Test
    void aSequencerKilledBetweenCommitAndLinkLeavesTheEventsToTheNextWhichLinksThemAll() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        List<Long> heldEvents = Collections.synchronizedList(new ArrayList<>());
        List<Long> written = List.of(writeAndCommit("one"), writeAndCommit("two"), writeAndCommit("three"));
        AuditSequencer crashing = sequencer(ids -> {
            heldEvents.addAll(ids);
            held.countDown();
            never.await();
        });

        // The failpoint holds the sequencer after the events committed and before it links them.
        assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(crashing.leading()).isTrue();
        assertThat(heldEvents).containsExactlyElementsOf(written);
        assertThat(linked()).isEmpty();

        // Killed there: its database session ends (and with it the lock and the open round), and the
        // process is gone for good.
        JdbcTemplate admin = new JdbcTemplate(superuser);
        Integer terminated = admin.queryForObject("""
                select count(pg_terminate_backend(pid)) from pg_locks
                where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = ?)
                  and ((classid::bigint << 32) | objid::bigint) = ?
                """, Integer.class, DATABASE, AuditSequencer.LOCK);
        assertThat(terminated).isEqualTo(1);
        crashing.stop();
        assertThat(linked()).isEmpty();

        AuditSequencer restarted = sequencer(AuditSequencer.Hook.NONE);
        await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 3);
        writeAndCommit("four");
        await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 4);

        assertThat(restarted.leading()).isTrue();
        assertThat(linked()).containsExactly("one", "two", "three", "four");
        assertTheLogIsWhole(4);
    }

    @Test
    void aLeaderResumesFromTheStoredLogAndTheTreeItContinuesIsTheOneItsEventsGive() throws Exception {
        AuditSequencer first = sequencer(AuditSequencer.Hook.NONE);
        for (int event = 0; event < 13; event++) {
            writeAndCommit("before " + event);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 13);
        first.stop();

        sequencer(AuditSequencer.Hook.NONE);
        for (int event = 0; event < 9; event++) {
            writeAndCommit("after " + event);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 22);

        assertTheLogIsWhole(22);
        assertThat(new JdbcTemplate(service).queryForObject("select count(*) from assignment.audit_tree", Integer.class))
                .isEqualTo(2 * 22 - Integer.bitCount(22));
    }

    @Test
    void transactionsOpenAcrossRoundsAreLinkedWhenTheyCommitWithEveryEventTheyWrote() throws Exception {
        AuditSequencer sequencer = sequencer(AuditSequencer.Hook.NONE);
        writeAndCommit("first");
        await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 1);
        try (Connection longRunning = transaction(); Connection later = transaction()) {
            // Running through the rounds below: the oldest running writer, which holds the horizon back.
            write(longRunning, "long-running, before the rounds");
            waitForRounds(sequencer, 2);
            // Begun after a round's snapshot was taken, and still running at the next.
            write(later, "later, before the rounds");
            waitForRounds(sequencer, 2);
            writeAndCommit("committed meanwhile");
            await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 2);
            write(longRunning, "long-running, after the rounds");
            write(later, "later, after the rounds");
            waitForRounds(sequencer, 2);
            later.commit();
            await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 4);
            longRunning.commit();
        }
        writeAndCommit("last");

        await().atMost(Duration.ofSeconds(10)).until(() -> linked().size() == 7);
        assertThat(linked()).containsExactly("first", "committed meanwhile",
                "later, before the rounds", "later, after the rounds",
                "long-running, before the rounds", "long-running, after the rounds", "last");
        assertTheLogIsWhole(7);
    }

    @Test
    void aBurstLargerThanARoundsBatchIsLinkedWholeInCommitOrderByANewLeaderAndAfterwards() throws Exception {
        // Committed before any sequencer runs, so that a new leader's first round finds them.
        List<Long> burst = new ArrayList<>(writeManyAndCommit("before the leader", 12_000));
        AuditSequencer sequencer = sequencer(AuditSequencer.Hook.NONE);
        await().atMost(Duration.ofSeconds(60)).until(() -> linked().size() == 12_000);
        waitForRounds(sequencer, 1);
        // Written once the leader reads only what its snapshots did not see.
        try (Connection concurrent = transaction()) {
            long first = write(concurrent, "begun before the second burst, committed after it");
            burst.addAll(writeManyAndCommit("after the leader", 12_000));
            concurrent.commit();
            burst.add(first);
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> linked().size() == 24_001);
        assertThat(new JdbcTemplate(service).queryForList(
                "select event_id from assignment.audit_log order by sequence", Long.class)).isEqualTo(burst);
        assertTheLogIsWhole(24_001);
    }

    /** Writes {@code count} events in one transaction; answers their ids in the order they were written. */
    private static List<Long> writeManyAndCommit(String detail, int count) throws SQLException {
        try (Connection connection = transaction();
             PreparedStatement insert = connection.prepareStatement("""
                     insert into assignment.audit_events (at, principal, kind, devices, detail)
                     select now(), 'test:sequencer', 'TENANT_POLICY', '{}', ? || ' ' || n from generate_series(1, ?) n
                     order by n
                     returning id
                     """)) {
            insert.setString(1, detail);
            insert.setInt(2, count);
            List<Long> ids = new ArrayList<>();
            try (var result = insert.executeQuery()) {
                while (result.next()) {
                    ids.add(result.getLong(1));
                }
            }
            connection.commit();
            ids.sort(null);
            return ids;
        }
    }

    private static void waitForRounds(AuditSequencer sequencer, int rounds) {
        long target = sequencer.rounds() + rounds;
        await().atMost(Duration.ofSeconds(10)).until(() -> sequencer.rounds() >= target);
    }

    @Test
    void anEventIsOnlyAppendedInsideATransaction() {
        JdbcAuditLog log = new JdbcAuditLog(new NamedParameterJdbcTemplate(service),
                new AuditSequencer(service, new AuditSequencer.Timing(POLL, Duration.ZERO, POLL), AuditSequencer.Hook.NONE));

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.append(new AuditEvent(0, Instant.now(),
                "test:sequencer", AuditEvent.Kind.TENANT_POLICY, null, null, List.of(), null, "outside")))
                .isInstanceOf(IllegalStateException.class);
    }
}
