package io.vfleet.assignment.adapter.persistence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.Hold;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TopologyDevice;
import io.vfleet.assignment.support.Fleet;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.testsupport.database.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Which run of the service drives an unfinished step, and whether that run still lives: a step of a
 * run that is gone is unfinished business at once, a step of a live run (this one, or another
 * replica holding its incarnation's lock) only once it has settled.
 */
@ServiceTest
class IncarnationTest extends ServiceTestBase {

    private static final Instant LONG_AGO = Instant.parse("2020-01-01T00:00:00Z");

    @Autowired
    Assignments assignments;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    DataSource dataSource;

    private void preparing(String id) {
        transactions.executeWithoutResult(status -> {
            Assignment requested = Assignment.requested(id, "acme", "n1",
                    List.of(new AssignedDevice("0000:01:00.0", "/dev/vfio/devices/vfio10", 10, "slot:01",
                            TopologyDevice.Kind.PHYSICAL, null, null, null)), false).to(AssignmentState.PREPARING);
            Assignment reserved = assignments.reserve(requested, TenantPolicy.defaults("acme"), AuditEvent.of("operator:test", AuditEvent.Kind.ASSIGNMENT_STATE, requested, requested.state().name()));
            assertThat(reserved.state()).isEqualTo(AssignmentState.PREPARING);
        });
    }

    private void drivenBy(String id, int incarnation) {
        jdbc.update("update assignment.assignments set driver = ? where id = ?", incarnation, id);
    }

    private List<String> unfinishedUnsettled() {
        return transactions.execute(status -> assignments.unfinishedOn("n1", LONG_AGO)).stream().map(Assignment::id).toList();
    }

    /** Another replica, alive: a session of its own holding an incarnation's lock. */
    private static Connection liveReplica(int incarnation) throws SQLException {
        TestDatabase.Connection server = TestDatabase.connection();
        Connection session = DriverManager.getConnection(server.url(), server.username(), server.password());
        try (PreparedStatement lock = session.prepareStatement("select pg_advisory_lock(?, ?)")) {
            lock.setInt(1, Incarnation.NAMESPACE);
            lock.setInt(2, incarnation);
            lock.execute();
        }
        return session;
    }

    @Test
    void aStepThisRunDrivesWaitsToSettle() {
        preparing("mine");

        assertThat(unfinishedUnsettled()).isEmpty();
        List<Assignment> settled = transactions.execute(status -> assignments.unfinishedOn("n1", Instant.now().plusSeconds(1)));
        assertThat(settled).extracting(Assignment::id).containsExactly("mine");
    }

    @Test
    void aStepOfARunThatIsGoneIsUnfinishedAtOnce() {
        preparing("orphaned");
        drivenBy("orphaned", 424_242);

        assertThat(unfinishedUnsettled()).containsExactly("orphaned");
    }

    @Test
    void aStepOfAnotherLiveReplicaWaitsToSettleUntilThatReplicaDies() throws SQLException {
        preparing("theirs");
        drivenBy("theirs", 515_151);

        try (Connection replica = liveReplica(515_151)) {
            assertThat(unfinishedUnsettled()).isEmpty();
        }

        // PostgreSQL ends the closed session, and lets go of its locks, a moment after the client left.
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(unfinishedUnsettled()).containsExactly("theirs"));
    }

    @Test
    void aStepStoredBeforeDriversWereRecordedIsUnfinishedAtOnce() {
        preparing("legacy");
        jdbc.update("update assignment.assignments set driver = null where id = 'legacy'");

        assertThat(unfinishedUnsettled()).containsExactly("legacy");
    }

    @Test
    void theFencesOfAResetWhoseRunIsGoneAreLiftedAtOnce() {
        transactions.executeWithoutResult(status -> {
            Assignment requested = Assignment.requested("resetting", "acme", "n1",
                    List.of(new AssignedDevice("0000:03:00.0", "/dev/vfio/devices/vfio12", 12, "bus:03",
                            TopologyDevice.Kind.PHYSICAL, null, null, null)), false);
            Assignment reserved = assignments.reserve(requested, TenantPolicy.defaults("acme"), AuditEvent.of("operator:test", AuditEvent.Kind.ASSIGNMENT_STATE, requested, requested.state().name()));
            assertThat(assignments.fence(reserved, List.of("0000:03:00.1"))).isTrue();
        });
        List<String> whileItsRunLives = transactions.execute(status -> assignments.unfenceAbandoned("n1", LONG_AGO));
        assertThat(whileItsRunLives).isEmpty();

        jdbc.update("update assignment.assignment_devices set driver = 424242 where role = 'FENCE'");

        List<String> once = transactions.execute(status -> assignments.unfenceAbandoned("n1", LONG_AGO));
        assertThat(once).containsExactly("0000:03:00.1");
        assertThat(assignments.nodeState(Fleet.node("n1")).hold("0000:03:00.1").map(Hold::kind)).isEmpty();
    }

    @Test
    void aRunHoldsItsIncarnationWhileItLivesAndLetsGoWhenItStops() {
        Incarnation run = new Incarnation(dataSource);
        String held = "select count(*) from pg_locks where locktype = 'advisory' and classid = ? and objid = ? and granted";

        assertThat(jdbc.queryForObject(held, Integer.class, Incarnation.NAMESPACE, run.id())).isEqualTo(1);
        run.close();
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(jdbc.queryForObject(held, Integer.class, Incarnation.NAMESPACE, run.id())).isZero());
    }
}
