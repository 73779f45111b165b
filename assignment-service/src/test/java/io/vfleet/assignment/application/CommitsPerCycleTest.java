package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.support.CountingDataSource;
import io.vfleet.assignment.support.Fleet;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What one assign and one release cost the database: two commits each on the happy path (the intent
 * before the agent call, the outcome after), a handful of statements, and no statement per node of the
 * fleet or per item of a listing.
 */
@ServiceTest
class CommitsPerCycleTest extends ServiceTestBase {

    /** The service's own background threads, which read the database on their own schedule. */
    private static final Set<String> BACKGROUND = Set.of("fleet-view", "reconcile", "inventory-feed",
            "audit-sequencer", "audit-checkpoints");

    @Autowired
    CountingDataSource database;

    @Autowired
    AssignDevices assign;

    @Autowired
    ReleaseAssignment release;

    @Autowired
    QueryAssignments query;

    private <T> Measured<T> measured(Supplier<T> work) {
        CountingDataSource.Counts before = database.countsExcept(BACKGROUND);
        T result = work.get();
        return new Measured<>(result, database.countsExcept(BACKGROUND).minus(before));
    }

    private record Measured<T>(T result, CountingDataSource.Counts counts) {}

    @Test
    void anAssignCommitsTwiceAndAReleaseTwice() {
        Measured<Assignment> assigned = measured(() -> assign.assign(Caller.operator(),
                new AssignRequest.Form("acme", "n1", List.of("0000:01:00.0"), null, false), null).assignment());
        Measured<Assignment> released = measured(() -> release.release(Caller.operator(), assigned.result().id()));

        assertThat(assigned.result().state()).isEqualTo(AssignmentState.ACTIVE);
        assertThat(released.result().state()).isEqualTo(AssignmentState.RELEASED);
        assertThat(assigned.counts().commits()).as("commits of an assign").isEqualTo(2);
        assertThat(released.counts().commits()).as("commits of a release").isEqualTo(2);
        assertThat(assigned.counts().statements()).as("statements of an assign").isLessThanOrEqualTo(14);
        assertThat(released.counts().statements()).as("statements of a release").isLessThanOrEqualTo(12);
    }

    @Test
    void placingOverAFleetCostsTheSameStatementsAsOverTwoNodes() {
        Measured<Assignment> onTwo = measured(() -> assign.assign(Caller.operator(),
                new AssignRequest.Form("acme", null, List.of(), new AssignRequest.SelectorForm((long) Fleet.NVIDIA, (long) Fleet.H100, null, 1L), false),
                null).assignment());
        for (int node = 0; node < 200; node++) {
            topologies.replace(Fleet.node(String.format("fleet-%03d", node)), 10 + node);
        }
        Measured<Assignment> onTwoHundredTwo = measured(() -> assign.assign(Caller.operator(),
                new AssignRequest.Form("globex", null, List.of(), new AssignRequest.SelectorForm((long) Fleet.NVIDIA, (long) Fleet.H100, null, 1L), false),
                null).assignment());

        assertThat(onTwo.result().state()).isEqualTo(AssignmentState.ACTIVE);
        assertThat(onTwoHundredTwo.result().state()).isEqualTo(AssignmentState.ACTIVE);
        assertThat(onTwoHundredTwo.counts()).isEqualTo(onTwo.counts());
    }

    @Test
    void aPageOfAssignmentsIsReadInAFixedNumberOfStatements() {
        for (String device : List.of("0000:01:00.0", "0000:06:00.0", "0000:03:00.0", "0000:03:00.1")) {
            for (String node : List.of("n1", "n2")) {
                assign.assign(Caller.operator(), new AssignRequest.Form("acme", node, List.of(device), null, false), null);
            }
        }
        Measured<Integer> one = measured(() -> query.list(Caller.operator(), new QueryAssignments.Listing(null, null, null, 0L, 1L)).items().size());
        Measured<Integer> eight = measured(() -> query.list(Caller.operator(), new QueryAssignments.Listing(null, null, null, 0L, 50L)).items().size());

        assertThat(one.result()).isEqualTo(1);
        assertThat(eight.result()).isEqualTo(8);
        assertThat(eight.counts()).isEqualTo(one.counts());
    }
}
