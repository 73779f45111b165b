package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import static org.assertj.core.api.Assertions.assertThat;

import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.Violation;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** Many threads, few devices: exactly one wins each device, the rest are refused, and never two owners. */
@ServiceTest
class AssignmentRaceTest extends ServiceTestBase {

    private static final int THREADS = 16;
    private static final int ROUNDS = 6;
    private static final List<String> CONTENDED = List.of("0000:01:00.0", "0000:06:00.0", "0000:03:00.0");

    @Autowired
    AssignDevices assign;

    @Autowired
    ReleaseAssignment release;

    @Test
    void concurrentRequestsForTheSameDevicesNeverMakeTwoOwnersAndTheLosersAreRefusedAsBusy() throws Exception {
        AtomicInteger won = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        Map<String, String> ownerOf = new ConcurrentHashMap<>();
        List<String> doubleOwners = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (int round = 0; round < ROUNDS; round++) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> futures = new java.util.ArrayList<>();
                for (int thread = 0; thread < THREADS; thread++) {
                    String tenant = "tenant-" + thread;
                    String device = CONTENDED.get(thread % CONTENDED.size());
                    futures.add(pool.submit(() -> {
                        start.await();
                        try {
                            Assignment assignment = assign.assign(Caller.operator(),
                                    new AssignRequest(tenant, "n1", List.of(device), null, false), null).assignment();
                            won.incrementAndGet();
                            String previous = ownerOf.putIfAbsent(device, assignment.id());
                            if (previous != null) {
                                doubleOwners.add(device + " held by " + previous + " and " + assignment.id());
                            }
                            Thread.sleep(2);
                            ownerOf.remove(device, assignment.id());
                            release.release(Caller.operator(), assignment.id());
                        } catch (AssignmentRefused refused) {
                            assertThat(refused.violations()).extracting(Violation::rule)
                                    .containsOnly(Violation.Rule.DEVICE_BUSY);
                            busy.incrementAndGet();
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> future : futures) {
                    future.get(60, TimeUnit.SECONDS);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(doubleOwners).isEmpty();
        assertThat(agents.doubleOwnership()).isEmpty();
        assertThat(won.get()).isGreaterThanOrEqualTo(CONTENDED.size());
        assertThat(won.get() + busy.get()).isEqualTo(THREADS * ROUNDS);
        assertThat(busy.get()).isPositive();
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where held", Integer.class))
                .isZero();
        assertThat(jdbc.queryForObject("""
                select count(*) from assignment.assignments where state not in ('RELEASED', 'FAILED')
                """, Integer.class)).isZero();
    }

    @Test
    void theDatabaseRefusesASecondStandingHoldOnADeviceEvenWithoutTheRules() {
        jdbc.update("insert into assignment.assignments (id, tenant, node, state, with_kvm) values ('x', 'a', 'n1', 'ACTIVE', false)");
        jdbc.update("insert into assignment.assignments (id, tenant, node, state, with_kvm) values ('y', 'b', 'n1', 'ACTIVE', false)");
        String hold = """
                insert into assignment.assignment_devices
                    (assignment_id, tenant, node, bdf, role, held, position, vfio_name, iommu_group, reset_set)
                values (?, ?, 'n1', '0000:01:00.0', 'OWNER', true, 0, '', 10, 'slot:01')
                """;
        jdbc.update(hold, "x", "a");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> jdbc.update(hold, "y", "b"))
                .isInstanceOf(org.springframework.dao.DataIntegrityViolationException.class)
                .hasMessageContaining("assignment_devices_held_once");
    }
}
