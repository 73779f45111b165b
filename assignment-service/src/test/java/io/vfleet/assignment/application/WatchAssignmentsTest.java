package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import io.vfleet.security.Role;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.assignment.application.port.AssignmentChangeLog;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * List-then-watch: a listing is exact at its position, a watch from there sees every later change once,
 * a watcher that comes back resumes where it was and misses nothing, and one the log no longer covers
 * is told to list again.
 */
@ServiceTest
class WatchAssignmentsTest extends ServiceTestBase {

    private static final Caller ACME = Caller.of("acme-orchestrator", Role.ORCHESTRATOR, "acme");

    @Autowired
    WatchAssignments watches;

    @Autowired
    AssignDevices assign;

    @Autowired
    ReleaseAssignment release;

    @Autowired
    AssignmentChangeLog log;

    @Autowired
    TransactionTemplate transactions;

    private Assignment assign(String tenant, String device) {
        return assign.assign(Caller.operator(), new AssignRequest.Form(tenant, "n1", List.of(device), null, false), null).assignment();
    }

    /** Every change a watcher sees until it has seen {@code count} of them, as "id STATE". */
    private static List<String> take(WatchAssignments.Watch watch, int count) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        long previous = -1;
        while (seen.size() < count && System.nanoTime() < until) {
            for (WatchAssignments.Changed changed : watch.next(Duration.ofMillis(500)).changed()) {
                assertThat(changed.revision()).as("revisions grow").isGreaterThan(previous);
                previous = changed.revision();
                changed.assignments().forEach(assignment -> seen.add(assignment.id() + " " + assignment.state()));
            }
        }
        return seen;
    }

    @Test
    void aListingHasTheLiveAssignmentsAndTheWatchEveryChangeAfterIt() throws Exception {
        Assignment kept = assign("acme", "0000:01:00.0");
        Assignment gone = assign("acme", "0000:06:00.0");
        release.release(Caller.operator(), gone.id());

        AssignmentChangeLog.Listing listing = watches.list(Caller.operator(), null);
        WatchAssignments.Watch watch = watches.watch(Caller.operator(), null, listing.position());
        Assignment later = assign("globex", "0000:03:00.0");
        release.release(Caller.operator(), later.id());

        assertThat(listing.assignments()).extracting(Assignment::id).containsExactly(kept.id());
        assertThat(take(watch, 4)).containsExactly(later.id() + " PREPARING", later.id() + " ACTIVE",
                later.id() + " RELEASING", later.id() + " RELEASED");
    }

    @Test
    void aWatcherThatComesBackMissesNothingAndSeesNothingTwice() throws Exception {
        WatchAssignments.Watch first = watches.watch(Caller.operator(), null, watches.list(Caller.operator(), null).position());
        Assignment one = assign("acme", "0000:01:00.0");
        List<String> beforeTheBreak = take(first, 2);
        long resumeFrom = first.position();
        // The stream breaks; meanwhile more happens.
        release.release(Caller.operator(), one.id());
        Assignment two = assign("acme", "0000:06:00.0");

        WatchAssignments.Watch again = watches.watch(Caller.operator(), null, resumeFrom);

        assertThat(beforeTheBreak).containsExactly(one.id() + " PREPARING", one.id() + " ACTIVE");
        assertThat(take(again, 4)).containsExactly(one.id() + " RELEASING", one.id() + " RELEASED",
                two.id() + " PREPARING", two.id() + " ACTIVE");
    }

    @Test
    void aWatcherFarBehindReadsTheLogItself() throws Exception {
        long start = watches.list(Caller.operator(), null).position();
        Assignment one = assign("acme", "0000:01:00.0");
        RecentChanges nothingInMemory = new RecentChanges(10);
        nothingInMemory.restart(Long.MAX_VALUE);

        WatchAssignments.Watch behind = new WatchAssignments(transactions, log, nothingInMemory)
                .watch(Caller.operator(), null, start);

        assertThat(take(behind, 2)).containsExactly(one.id() + " PREPARING", one.id() + " ACTIVE");
    }

    @Test
    void aTenantScopedWatcherSeesOnlyItsTenant() throws Exception {
        assign("globex", "0000:06:00.0");
        WatchAssignments.Watch watch = watches.watch(ACME, null, watches.list(ACME, null).position());
        Assignment globex = assign("globex", "0000:03:00.0");
        Assignment acme = assign("acme", "0000:01:00.0");

        assertThat(watches.list(ACME, null).assignments()).extracting(Assignment::tenant).containsOnly("acme");
        assertThat(watches.list(ACME, "globex").assignments()).isEmpty();
        assertThat(take(watch, 2)).containsExactly(acme.id() + " PREPARING", acme.id() + " ACTIVE")
                .noneMatch(seen -> seen.startsWith(globex.id()));
    }

    @Test
    void aPositionTheLogNoLongerCoversMustListAgainAndOneAheadOfItIsRefused() {
        long start = watches.list(Caller.operator(), null).position();
        Assignment one = assign("acme", "0000:01:00.0");
        release.release(Caller.operator(), one.id());
        Assignment live = assign("acme", "0000:06:00.0");

        int pruned = transactions.execute(status -> log.prune(Instant.now().plusSeconds(60)));

        assertThat(pruned).as("all of the ended one, and the superseded PREPARING of the live one").isEqualTo(5);
        assertThatThrownBy(() -> watches.watch(Caller.operator(), null, start)).isInstanceOf(RelistRequired.class);
        assertThat(watches.list(Caller.operator(), null).assignments()).extracting(Assignment::id).containsExactly(live.id());
        assertThatThrownBy(() -> watches.watch(Caller.operator(), null, Long.MAX_VALUE))
                .isInstanceOfSatisfying(InvalidRequest.class,
                        invalid -> assertThat(invalid.faults()).extracting(InvalidRequest.Fault::field)
                                .containsExactly("resume_after_revision"));
    }
}
