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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Reconciliation runs by itself: on start for every known node, at its interval, and for a node whose
 * agent registered again. An orphan planted on a fake agent (prepared for no assignment) shows each run.
 */
@ServiceTest
class ReconciliationScheduleTest extends ServiceTestBase {

    @Autowired
    ReconcileNode reconcile;

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void stopTheSchedule() throws InterruptedException {
        executor.shutdownNow();
        assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private ReconcileFleet fleet() {
        return new ReconcileFleet(topologies, reconcile, executor);
    }

    private void plantOrphan(String node, String id) {
        agents.plant(node, new NodeAgents.PrepareCall(id, "acme", List.of("0000:01:00.0"), false, 1));
    }

    private int repairEvents() {
        return jdbc.queryForObject("select count(*) from assignment.audit_events where kind = 'RECONCILE_REPAIR'",
                Integer.class);
    }

    @Test
    void startReconcilesEveryKnownNodeAndAuditsEachRepair() {
        plantOrphan("n1", "orphan-1");
        plantOrphan("n2", "orphan-2");

        new ReconciliationSchedule(fleet(), executor, new ReconcileProperties(true, true, Duration.ZERO)).start();

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(agents.preparedIds("n1")).isEmpty();
            assertThat(agents.preparedIds("n2")).isEmpty();
            assertThat(repairEvents()).isEqualTo(2);
        });
    }

    @Test
    void theIntervalRepairsWhatGoesWrongLater() {
        new ReconciliationSchedule(fleet(), executor, new ReconcileProperties(false, true, Duration.ofMillis(100))).start();

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

        new ReconciliationSchedule(fleet(), executor, new ReconcileProperties(false, false, Duration.ZERO)).start();
        executor.submit(() -> {}).get(10, TimeUnit.SECONDS);

        assertThat(agents.preparedIds("n1")).containsExactly("orphan-1");
    }

    @Test
    void aReregisteredAgentIsReconciledAndOnlyIt() {
        plantOrphan("n1", "orphan-1");
        plantOrphan("n2", "orphan-2");

        fleet().agentReregistered("n2");

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("n2")).isEmpty());
        assertThat(agents.preparedIds("n1")).containsExactly("orphan-1");
    }

    @Test
    void aReregisteredAgentIsLeftAloneWhenReconciliationOnRegistrationIsOff() throws Exception {
        plantOrphan("n2", "orphan-2");

        new ReconcileFleet(topologies, reconcile, executor, false).agentReregistered("n2");
        executor.submit(() -> {}).get(10, TimeUnit.SECONDS);

        assertThat(agents.preparedIds("n2")).containsExactly("orphan-2");
    }

    @Test
    void anUnreachableAgentDoesNotKeepTheOtherNodesFromBeingReconciled() {
        plantOrphan("n1", "orphan-1");
        plantOrphan("n2", "orphan-2");
        agents.unreachable("n1", true);

        List<ReconcileNode.Report> reports = fleet().reconcileAll();

        assertThat(reports).extracting(ReconcileNode.Report::node, ReconcileNode.Report::reachable)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("n1", false),
                        org.assertj.core.groups.Tuple.tuple("n2", true));
        assertThat(agents.preparedIds("n2")).isEmpty();
        assertThat(agents.preparedIds("n1")).containsExactly("orphan-1");
    }
}
