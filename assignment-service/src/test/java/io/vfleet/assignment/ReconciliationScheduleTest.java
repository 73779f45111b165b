package io.vfleet.assignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vfleet.assignment.application.ReconcileFleet;
import io.vfleet.assignment.application.ReconcileNode;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Reconciliation runs by itself: on start for every known node and every statically configured
 * agent, at its interval, and for a node that is due again; each node on its own, so that a silent
 * agent holds up no other node. An orphan planted on a fake agent (prepared for no assignment) shows
 * each run.
 */
@ServiceTest
class ReconciliationScheduleTest extends ServiceTestBase {

    @Autowired
    ReconcileNode reconcile;

    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService runs = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stopTheSchedule() throws InterruptedException {
        agents.reset();
        scheduler.shutdownNow();
        runs.shutdownNow();
        assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(runs.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private ReconcileFleet fleet(int parallelism) {
        return new ReconcileFleet(topologies, reconcile, runs, new ReconcileFleet.Settings(parallelism, Duration.ZERO, true));
    }

    private void plantOrphan(String node, String id) {
        agents.plant(node, new NodeAgents.PrepareCall(id, "acme", List.of("0000:01:00.0"), false, 1));
    }

    private int repairEvents() {
        return jdbc.queryForObject("select count(*) from assignment.audit_events where kind = 'RECONCILE_REPAIR'",
                Integer.class);
    }

    private long listPreparedCalls(String node) {
        return agents.calls().stream().filter(call -> call.equals("list-prepared " + node)).count();
    }

    @Test
    void startReconcilesEveryKnownNodeAndAuditsEachRepair() {
        plantOrphan("n1", "orphan-1");
        plantOrphan("n2", "orphan-2");

        new ReconciliationSchedule(fleet(4), scheduler, new ReconcileProperties(true, true, Duration.ZERO, 4, null), List.of()).start();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(agents.preparedIds("n1")).isEmpty();
            assertThat(agents.preparedIds("n2")).isEmpty();
            assertThat(repairEvents()).isEqualTo(2);
        });
    }

    @Test
    void startReconcilesAStaticallyConfiguredAgentTheTopologyDoesNotKnow() {
        plantOrphan("n9", "orphan-9");

        new ReconciliationSchedule(fleet(4), scheduler, new ReconcileProperties(true, true, Duration.ZERO, 4, null), List.of("n9"))
                .start();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("n9")).isEmpty());
    }

    @Test
    void theIntervalRepairsWhatGoesWrongLater() {
        new ReconciliationSchedule(fleet(4), scheduler, new ReconcileProperties(false, true, Duration.ofMillis(100), 4, null), List.of())
                .start();

        plantOrphan("n1", "orphan-later");

        // The orphan leaves the agent before the repair's audit event commits: wait for both.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(agents.preparedIds("n1")).isEmpty();
            assertThat(repairEvents()).isEqualTo(1);
        });
    }

    @Test
    void nothingRunsWhenStartAndIntervalAreOff() throws Exception {
        plantOrphan("n1", "orphan-1");

        new ReconciliationSchedule(fleet(4), scheduler, new ReconcileProperties(false, false, Duration.ZERO, 4, null), List.of("n1"))
                .start();
        scheduler.submit(() -> {}).get(10, TimeUnit.SECONDS);

        assertThat(agents.preparedIds("n1")).containsExactly("orphan-1");
        assertThat(listPreparedCalls("n1")).isZero();
    }

    @Test
    void aNodeThatIsDueIsReconciledAndOnlyIt() {
        plantOrphan("n1", "orphan-1");
        plantOrphan("n2", "orphan-2");

        fleet(4).due("n2");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("n2")).isEmpty());
        assertThat(agents.preparedIds("n1")).containsExactly("orphan-1");
    }

    @Test
    void aRegisteredAgentIsReconciledAtOnce() {
        plantOrphan("n2", "orphan-2");

        fleet(4).agentRegistered("n2");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("n2")).isEmpty());
    }

    @Test
    void aRegisteredAgentIsLeftAloneWhenReconciliationOnRegistrationIsOff() throws Exception {
        plantOrphan("n2", "orphan-2");

        new ReconcileFleet(topologies, reconcile, runs, new ReconcileFleet.Settings(4, Duration.ZERO, false))
                .agentRegistered("n2");
        runs.shutdown();
        assertThat(runs.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        assertThat(agents.preparedIds("n2")).containsExactly("orphan-2");
        assertThat(listPreparedCalls("n2")).isZero();
    }

    @Test
    void anUnreachableAgentDoesNotKeepTheOtherNodesFromBeingReconciled() {
        plantOrphan("n1", "orphan-1");
        plantOrphan("n2", "orphan-2");
        agents.unreachable("n1", true);

        fleet(4).dueEverywhere();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("n2")).isEmpty());
        assertThat(agents.preparedIds("n1")).containsExactly("orphan-1");
    }

    @Test
    void aSilentAgentHoldsUpNeitherTheCallerNorAnyOtherNode() {
        plantOrphan("n1", "orphan-1");
        plantOrphan("n2", "orphan-2");
        Runnable answer = agents.stall("n1");
        ReconcileFleet fleet = fleet(4);

        fleet.dueEverywhere();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("n2")).isEmpty());
        assertThat(agents.preparedIds("n1")).containsExactly("orphan-1");
        answer.run();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("n1")).isEmpty());
    }

    @Test
    void aNodeDueAgainWhileItsRunGoesIsRunOnceMoreAfterIt() {
        Runnable answer = agents.stall("n1");
        ReconcileFleet fleet = fleet(4);
        fleet.due("n1");
        fleet.due("n1");
        fleet.due("n1");
        plantOrphan("n1", "orphan-during-the-run");

        answer.run();

        // The first run may or may not see the orphan; the one more after it does.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("n1")).isEmpty());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(listPreparedCalls("n1")).isEqualTo(2));
    }
}
