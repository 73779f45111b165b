package io.vfleet.assignment.adapter.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.assignment.application.AssignRequest;
import io.vfleet.security.Caller;
import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentChange;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.testsupport.database.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The change log hands out a change only once every older transaction has ended, so that a reader that
 * continues from its last position never skips a change that an older transaction commits later.
 */
@ServiceTest
class AssignmentChangeLogTest extends ServiceTestBase {

    @Autowired
    AssignmentChangeLog log;

    @Autowired
    AssignDevices assign;

    @Autowired
    TransactionTemplate transactions;

    private AssignmentChangeLog.Batch after(long position) {
        return transactions.execute(status -> log.after(position, 100));
    }

    private static final String OLD_CHANGE = """
            insert into assignment.assignment_changes (assignment_id, tenant, node, state, assignment)
            values ('older', 'acme', 'n2', 'PREPARING', '{"id":"older","tenant":"acme","node":"n2","state":"PREPARING",
            "withKvm":false,"devices":[],"hwptIds":[],"createdAt":"2026-01-01T00:00:00Z"}')
            """;

    @Test
    void aChangeOfAnOlderTransactionThatCommitsLaterIsReadBeforeTheNewerOnes() throws Exception {
        long start = transactions.execute(status -> log.position());
        TestDatabase.Connection database = TestDatabase.connection();
        try (Connection older = DriverManager.getConnection(database.url(), database.username(), database.password())) {
            older.setAutoCommit(false);
            long olderRevision;
            try (Statement statement = older.createStatement();
                    var result = statement.executeQuery("select pg_current_xact_id()::text::bigint")) {
                result.next();
                olderRevision = result.getLong(1);
            }
            Assignment newer = assign.assign(Caller.operator(),
                    new AssignRequest.Form("acme", "n1", List.of("0000:01:00.0"), null, false), null).assignment();

            AssignmentChangeLog.Batch whileOlderRuns = after(start);
            assertThat(whileOlderRuns.changes()).isEmpty();
            assertThat(whileOlderRuns.position()).isLessThan(olderRevision);

            try (Statement statement = older.createStatement()) {
                statement.execute(OLD_CHANGE);
            }
            older.commit();

            AssignmentChangeLog.Batch once = after(start);
            assertThat(once.changes()).extracting(change -> change.assignment().id() + " " + change.assignment().state())
                    .containsExactly("older PREPARING", newer.id() + " PREPARING", newer.id() + " ACTIVE");
            assertThat(once.changes()).extracting(AssignmentChange::revision).isSorted();
            assertThat(after(once.position()).changes()).isEmpty();
        }
    }

    @Test
    void aChangeReadBackIsTheAssignmentAsItWasWritten() {
        long start = transactions.execute(status -> log.position());
        Assignment active = assign.assign(Caller.operator(),
                new AssignRequest.Form("acme", "n1", List.of("0000:02:00.0", "0000:02:00.1"), null, true), null).assignment();

        await(start, 2);
        AssignmentChange last = after(start).changes().getLast();

        assertThat(last.assignment()).isEqualTo(active);
        assertThat(last.assignment().state()).isEqualTo(AssignmentState.ACTIVE);
    }

    /** The log's horizon moves once other tests' connections are idle; wait for {@code count} changes. */
    private void await(long start, int count) {
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                .until(() -> after(start).changes().size() >= count);
    }
}
