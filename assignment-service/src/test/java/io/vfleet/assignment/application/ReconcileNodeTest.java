package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.NodeLocks;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.Preparation;
import io.vfleet.assignment.domain.TenantIoas;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TopologyDevice;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A service stopped between two steps leaves an assignment in the state of its last commit; on start,
 * reconciliation with the agent's ListPrepared converges, and says so in the audit log.
 */
@ServiceTest
@ExtendWith(OutputCaptureExtension.class)
class ReconcileNodeTest extends ServiceTestBase {

    @Autowired
    ReconcileNode reconcile;

    @Autowired
    Assignments assignments;

    @Autowired
    AuditLog audit;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    AssignDevices assign;

    @Autowired
    Tenants tenants;

    @Autowired
    NodeLocks locks;

    /** An assignment stored in {@code state} as a crashed service would have left it. */
    Assignment crashedIn(String id, AssignmentState state, String device) {
        return transactions.execute(status -> {
            Assignment requested = Assignment.requested(id, "acme", "n1",
                    List.of(new AssignedDevice(device, "/dev/vfio/devices/vfio10", 10, "slot:01", TopologyDevice.Kind.PHYSICAL,
                            null, null, null)), false);
            Assignment reserved = assignments.reserve(requested, TenantPolicy.defaults("acme"), AuditEvent.of("operator:test", AuditEvent.Kind.ASSIGNMENT_STATE, requested, requested.state().name()));
            Assignment moved = reserved;
            for (AssignmentState step : List.of(AssignmentState.PREPARING, AssignmentState.ACTIVE,
                    AssignmentState.RELEASING, AssignmentState.RESETTING)) {
                if (moved.state() == state) {
                    break;
                }
                moved = step == AssignmentState.ACTIVE
                        ? moved.activated(new io.vfleet.assignment.domain.Preparation(1, List.of(2L),
                                List.of(new io.vfleet.assignment.domain.Preparation.Device(device, 3, 2, true))))
                        : moved.to(step);
            }
            return assignments.update(moved, AuditEvent.of("operator:test", AuditEvent.Kind.ASSIGNMENT_STATE, moved, moved.state().name()));
        });
    }

    AssignmentState stateOf(String id) {
        return assignments.find(id).orElseThrow().state();
    }

    @Test
    void aPrepareThatReachedTheAgentBecomesActive() {
        crashedIn("a-1", AssignmentState.PREPARING, "0000:01:00.0");
        agents.plant("n1", new NodeAgents.PrepareCall("a-1", "acme", List.of("0000:01:00.0"), false, 1));

        ReconcileNode.Report report = reconcile.reconcile("n1", Instant.now());

        assertThat(stateOf("a-1")).isEqualTo(AssignmentState.ACTIVE);
        assertThat(assignments.find("a-1").orElseThrow().devices().getFirst().devid()).isNotNull();
        assertThat(report.repairs()).singleElement().asString().contains("PREPARING → ACTIVE");
    }

    @Test
    void aPrepareFinishedByReconciliationRecordsTheTenantsIoasAsAnAssignmentDoes() {
        crashedIn("a-1", AssignmentState.PREPARING, "0000:01:00.0");
        Preparation onAgent = agents.plant("n1", new NodeAgents.PrepareCall("a-1", "acme", List.of("0000:01:00.0"), false, 1));

        reconcile.reconcile("n1", Instant.now());

        assertThat(tenants.ioas("acme")).containsExactly(new TenantIoas("acme", "n1", onAgent.ioasId(), onAgent.hwptIds()));
        Assignment active = assignments.find("a-1").orElseThrow();
        assertThat(active.ioasId()).isEqualTo(onAgent.ioasId());
    }

    @Test
    void aPrepareFinishedByReconciliationIsLoggedUnderItsAssignment(CapturedOutput output) {
        crashedIn("a-1", AssignmentState.PREPARING, "0000:01:00.0");
        agents.plant("n1", new NodeAgents.PrepareCall("a-1", "acme", List.of("0000:01:00.0"), false, 1));

        reconcile.reconcile("n1", Instant.now());

        assertThat(output.getOut().lines().filter(line -> line.contains("PREPARING → ACTIVE")))
                .singleElement().asString().contains("[a-1 ");
    }

    @Test
    void aPrepareThatNeverReachedTheAgentFailsAndFreesItsDevices() {
        crashedIn("a-1", AssignmentState.PREPARING, "0000:01:00.0");

        reconcile.reconcile("n1", Instant.now());

        assertThat(stateOf("a-1")).isEqualTo(AssignmentState.FAILED);
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where held", Integer.class))
                .isZero();
    }

    @Test
    void aRequestThatNeverWentOutFails() {
        crashedIn("a-1", AssignmentState.REQUESTED, "0000:01:00.0");

        reconcile.reconcile("n1", Instant.now());

        assertThat(stateOf("a-1")).isEqualTo(AssignmentState.FAILED);
    }

    @Test
    void anInterruptedReleaseIsFinishedOnTheAgentAndInTheDatabase() {
        crashedIn("a-1", AssignmentState.RELEASING, "0000:01:00.0");
        agents.plant("n1", new NodeAgents.PrepareCall("a-1", "acme", List.of("0000:01:00.0"), false, 1));

        reconcile.reconcile("n1", Instant.now());

        assertThat(stateOf("a-1")).isEqualTo(AssignmentState.RELEASED);
        assertThat(agents.preparedIds("n1")).isEmpty();
    }

    @Test
    void anActiveAssignmentTheAgentLostIsReleased() {
        crashedIn("a-1", AssignmentState.ACTIVE, "0000:01:00.0");

        reconcile.reconcile("n1", Instant.now());

        assertThat(stateOf("a-1")).isEqualTo(AssignmentState.RELEASED);
    }

    @Test
    void whatTheAgentHoldsForNoLiveAssignmentIsReleasedAndAudited() {
        agents.plant("n1", new NodeAgents.PrepareCall("ghost", "acme", List.of("0000:06:00.0"), false, 1));

        ReconcileNode.Report report = reconcile.reconcile("n1", Instant.now());

        assertThat(agents.preparedIds("n1")).isEmpty();
        assertThat(report.repairs()).singleElement().asString().contains("ghost");
        assertThat(audit.awaitLinked(java.time.Duration.ofSeconds(10))).isZero();
        assertThat(audit.search(new AuditLog.Query(null, null, null, null),
                new io.vfleet.assignment.application.port.Paging(0, 10)).items())
                .extracting(AuditEvent::kind).containsExactly(AuditEvent.Kind.RECONCILE_REPAIR);
    }

    @Test
    void aConvergedNodeNeedsNoRepair() {
        assign.assign(Caller.operator(), new AssignRequest.Form("acme", "n1", List.of("0000:01:00.0"), null, false), null);

        assertThat(reconcile.reconcile("n1", Instant.now()).repairs()).isEmpty();
    }

    @Test
    void recentStepsAreLeftToTheRequestThatIsTakingThem() {
        crashedIn("a-1", AssignmentState.PREPARING, "0000:01:00.0");

        reconcile.reconcile("n1");

        assertThat(stateOf("a-1")).isEqualTo(AssignmentState.PREPARING);
    }

    @Test
    void anUnreachableAgentChangesNothing() {
        crashedIn("a-1", AssignmentState.PREPARING, "0000:01:00.0");
        agents.unreachable("n1", true);

        assertThat(reconcile.reconcile("n1", Instant.now()).reachable()).isFalse();
        assertThat(stateOf("a-1")).isEqualTo(AssignmentState.PREPARING);
    }

    @Test
    void aNodeAnotherReplicaIsReconcilingIsLeftToItUntilItLetsGo() {
        agents.plant("n1", new NodeAgents.PrepareCall("orphan", "acme", List.of("0000:01:00.0"), false, 1));

        ReconcileNode.Report meanwhile;
        // Another replica's lock: its own database session.
        try (NodeLocks.Held elsewhere = locks.tryLock("reconcile", "n1").orElseThrow()) {
            assertThat(locks.tryLock("reconcile", "n1")).isEmpty();
            meanwhile = reconcile.reconcile("n1", Instant.now());
        }
        ReconcileNode.Report after = reconcile.reconcile("n1", Instant.now());

        assertThat(meanwhile.elsewhere()).isTrue();
        assertThat(meanwhile.repairs()).isEmpty();
        assertThat(after.elsewhere()).isFalse();
        assertThat(after.repairs()).singleElement().asString().contains("orphan");
        assertThat(agents.preparedIds("n1")).isEmpty();
        assertThat(locks.tryLock("reconcile", "n1")).hasValueSatisfying(NodeLocks.Held::close);
    }
}
