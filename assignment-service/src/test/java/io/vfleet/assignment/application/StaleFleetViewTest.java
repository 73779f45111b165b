package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.Violation;
import io.vfleet.assignment.support.Fleet;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The fleet view is only a proposal: what another replica committed and this one has not heard of yet
 * costs a retry or a second look at the database, never a double owner and never a wrong refusal.
 * "Another replica" here writes the database directly, behind the view's back.
 */
@ServiceTest
class StaleFleetViewTest extends ServiceTestBase {

    @Autowired
    AssignDevices assign;

    @Autowired
    ReleaseAssignment release;

    /** Holds {@code bdf} on n1 for tenant {@code other} as another replica would, without this view knowing. */
    private void heldElsewhere(String id, String bdf) {
        jdbc.update("insert into assignment.assignments (id, tenant, node, state, with_kvm) values (?, 'other', 'n1', 'ACTIVE', false)", id);
        jdbc.update("""
                insert into assignment.assignment_devices
                    (assignment_id, tenant, node, bdf, role, held, position, vfio_name, iommu_group, reset_set)
                values (?, 'other', 'n1', ?, 'OWNER', true, 0, '', 0, '')
                """, id, bdf);
    }

    @Test
    void aSelectorThatLosesADeviceToAnotherReplicaChoosesAgain() {
        heldElsewhere("elsewhere-1", "0000:01:00.0");
        heldElsewhere("elsewhere-2", "0000:06:00.0");

        Assignment active = assign.assign(Caller.operator(), new AssignRequest.Form("acme", "n1", List.of(),
                new AssignRequest.SelectorForm((long) Fleet.NVIDIA, (long) Fleet.H100, null, 1L), false), null).assignment();

        assertThat(active.state()).isEqualTo(AssignmentState.ACTIVE);
        assertThat(active.bdfs()).doesNotContain("0000:01:00.0", "0000:06:00.0");
        assertThat(agents.doubleOwnership()).isEmpty();
        assertThat(follow.view().nodeState("n1").orElseThrow().isFree("0000:01:00.0")).isFalse();
    }

    @Test
    void namedDevicesAnotherReplicaHoldsAreRefusedWithWhatTheDatabaseSays() {
        heldElsewhere("elsewhere-1", "0000:01:00.0");

        assertThatThrownBy(() -> assign.assign(Caller.operator(),
                        new AssignRequest.Form("acme", "n1", List.of("0000:01:00.0"), null, false), null))
                .isInstanceOfSatisfying(AssignmentRefused.class, refused -> {
                    assertThat(refused.violations()).extracting(Violation::rule).containsExactly(Violation.Rule.DEVICE_BUSY);
                    // What the database says, in words that tell this tenant nothing of another's assignment.
                    assertThat(refused.violations().getFirst().detail())
                            .isEqualTo("already owned by another tenant on node n1").doesNotContain("elsewhere-1");
                });
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignments where tenant = 'acme'", Integer.class))
                .isZero();
    }

    @Test
    void aDeviceTheViewStillThinksHeldIsAssignedOnceTheDatabaseSaysItIsFree() {
        Assignment first = assign.assign(Caller.operator(),
                new AssignRequest.Form("acme", "n1", List.of("0000:01:00.0"), null, false), null).assignment();
        // Another replica released it, and this one never hears of it (nothing in the change log).
        agents.release("n1", new io.vfleet.assignment.application.port.NodeAgents.ReleaseCall(first.id(), true, Long.MAX_VALUE,
                List.of()));
        jdbc.update("update assignment.assignments set state = 'RELEASED' where id = ?", first.id());
        jdbc.update("update assignment.assignment_devices set held = false where assignment_id = ?", first.id());
        jdbc.update("update assignment.tenant_usage set devices = 0 where tenant = 'acme'");

        Assignment second = assign.assign(Caller.operator(),
                new AssignRequest.Form("globex", "n1", List.of("0000:01:00.0"), null, false), null).assignment();

        assertThat(second.state()).isEqualTo(AssignmentState.ACTIVE);
    }

    @Test
    void theQuotaHoldsAcrossConcurrentRequestsOfOneTenant() throws Exception {
        jdbc.update("insert into assignment.tenants (tenant, noiommu_allowed) values ('acme', false)");
        jdbc.update("insert into assignment.quotas (tenant, max_devices, max_pinned_bytes) values ('acme', 2, 0)");
        List<String> devices = List.of("0000:01:00.0", "0000:03:00.0", "0000:03:00.1", "0000:06:00.0");
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<Violation.Rule>> outcomes = new java.util.ArrayList<>();
        try {
            for (int request = 0; request < 8; request++) {
                String node = request % 2 == 0 ? "n1" : "n2";
                String device = devices.get(request / 2);
                outcomes.add(pool.submit(() -> {
                    start.await();
                    try {
                        assign.assign(Caller.operator(), new AssignRequest.Form("acme", node, List.of(device), null, false), null);
                        return null;
                    } catch (AssignmentRefused refused) {
                        return refused.violations().getFirst().rule();
                    }
                }));
            }
            start.countDown();
            List<Violation.Rule> rules = new java.util.ArrayList<>();
            for (var outcome : outcomes) {
                rules.add(outcome.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertThat(rules.stream().filter(java.util.Objects::isNull)).hasSize(2);
            assertThat(rules.stream().filter(java.util.Objects::nonNull)).containsOnly(Violation.Rule.QUOTA);
        } finally {
            pool.shutdownNow();
        }
        assertThat(jdbc.queryForObject("""
                select count(*) from assignment.assignment_devices where tenant = 'acme' and held and role = 'OWNER'
                """, Integer.class)).isEqualTo(2);
        assertThat(jdbc.queryForObject("select devices from assignment.tenant_usage where tenant = 'acme'", Integer.class))
                .isEqualTo(2);
    }
}
