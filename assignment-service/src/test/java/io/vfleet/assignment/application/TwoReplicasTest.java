package io.vfleet.assignment.application;

import io.vfleet.security.Caller;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vfleet.assignment.AssignmentApplication;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentRefused;
import io.vfleet.assignment.domain.Violation;
import io.vfleet.assignment.support.FakeNodeAgents;
import io.vfleet.assignment.support.Fleet;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.assignment.support.AssignmentDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * Two replicas of the service against one database and one fleet of (fake) agents, each with its own
 * fleet view: whatever they race for, the database gives each device one owner, the losers are refused
 * as busy or choose again, and what one replica commits the other comes to know.
 */
@ServiceTest
class TwoReplicasTest extends ServiceTestBase {

    private static ConfigurableApplicationContext second;

    /** The other replica: the whole service again, on the same database and the same agents as this test's. */
    @BeforeEach
    void startTheSecondReplica() {
        if (second == null) {
            FakeNodeAgents shared = agents;
            second = new SpringApplicationBuilder(AssignmentApplication.class)
                    .initializers(context -> ((GenericApplicationContext) context).registerBean(FakeNodeAgents.class,
                            () -> shared, definition -> definition.setPrimary(true)))
                    .run("--spring.datasource.url=" + AssignmentDatabase.jdbcUrl(),
                            "--spring.datasource.username=" + AssignmentDatabase.SERVICE,
                            "--spring.datasource.password=" + AssignmentDatabase.password(),
                            "--spring.flyway.user=" + AssignmentDatabase.OWNER,
                            "--spring.flyway.password=" + AssignmentDatabase.password(),
                            "--spring.datasource.hikari.schema=assignment",
                            "--server.port=0",
                            "--spring.grpc.server.port=0",
                            "--spring.profiles.active=local",
                            "--vfleet.security.tokens[0].token=operator-token",
                            "--vfleet.security.tokens[0].role=operator",
                            "--vfleet.reconcile.on-start=false",
                            "--vfleet.reconcile.interval=0s",
                            "--logging.level.root=WARN");
        }
        // The database was emptied for this test: the second replica starts over from it too.
        second.getBean(FollowChanges.class).load();
    }

    @AfterAll
    static void stopTheSecondReplica() {
        if (second != null) {
            second.close();
            second = null;
        }
    }

    private AssignDevices assignOn(int replica) {
        return replica == 0 ? assignHere : second.getBean(AssignDevices.class);
    }

    private ReleaseAssignment releaseOn(int replica) {
        return replica == 0 ? releaseHere : second.getBean(ReleaseAssignment.class);
    }

    @org.springframework.beans.factory.annotation.Autowired
    AssignDevices assignHere;

    @org.springframework.beans.factory.annotation.Autowired
    ReleaseAssignment releaseHere;

    @Test
    void racesForNamedDevicesAcrossReplicasNeverMakeTwoOwnersAndTheLosersAreBusy() throws Exception {
        List<String> contended = List.of("0000:01:00.0", "0000:06:00.0", "0000:03:00.0");
        Map<String, String> ownerOf = new ConcurrentHashMap<>();
        List<String> doubleOwners = new CopyOnWriteArrayList<>();
        AtomicInteger won = new AtomicInteger();
        AtomicInteger busy = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            for (int round = 0; round < 4; round++) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> requests = new ArrayList<>();
                for (int thread = 0; thread < 12; thread++) {
                    int replica = thread % 2;
                    String tenant = "tenant-" + thread;
                    String device = contended.get(thread % contended.size());
                    requests.add(pool.submit(() -> {
                        start.await();
                        try {
                            Assignment assignment = assignOn(replica).assign(Caller.operator(),
                                    new AssignRequest.Form(tenant, "n1", List.of(device), null, false), null).assignment();
                            won.incrementAndGet();
                            String previous = ownerOf.putIfAbsent(device, assignment.id());
                            if (previous != null) {
                                doubleOwners.add(device + " held by " + previous + " and " + assignment.id());
                            }
                            Thread.sleep(2);
                            ownerOf.remove(device, assignment.id());
                            releaseOn(1 - replica).release(Caller.operator(), assignment.id());
                        } catch (AssignmentRefused refused) {
                            assertThat(refused.violations()).extracting(Violation::rule).containsOnly(Violation.Rule.DEVICE_BUSY);
                            busy.incrementAndGet();
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> request : requests) {
                    request.get(60, TimeUnit.SECONDS);
                }
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(doubleOwners).isEmpty();
        assertThat(agents.doubleOwnership()).isEmpty();
        assertThat(won.get()).isGreaterThanOrEqualTo(contended.size());
        assertThat(busy.get()).isPositive();
        assertThat(won.get() + busy.get()).isEqualTo(48);
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where held", Integer.class)).isZero();
    }

    @Test
    void selectorsPlacedByBothReplicasAtOnceFillTheFleetWithOneOwnerPerDevice() throws Exception {
        // Five GPUs on each of n1 and n2: ten requests at once, five on each replica, all fit.
        ExecutorService pool = Executors.newFixedThreadPool(10);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Assignment>> requests = new ArrayList<>();
        try {
            for (int thread = 0; thread < 10; thread++) {
                int replica = thread % 2;
                String tenant = "tenant-" + thread;
                requests.add(pool.submit(() -> {
                    start.await();
                    return assignOn(replica).assign(Caller.operator(), new AssignRequest.Form(tenant, null, List.of(),
                            new AssignRequest.SelectorForm((long) Fleet.NVIDIA, (long) Fleet.H100, null, 1L), false), null).assignment();
                }));
            }
            start.countDown();
            List<String> placed = new ArrayList<>();
            for (Future<Assignment> request : requests) {
                Assignment assignment = request.get(60, TimeUnit.SECONDS);
                placed.add(assignment.node() + " " + assignment.bdfs().getFirst());
            }
            assertThat(placed).doesNotHaveDuplicates().hasSize(10);
        } finally {
            pool.shutdownNow();
        }
        assertThat(agents.doubleOwnership()).isEmpty();
    }

    @Test
    void whatOneReplicaReleasesTheOtherComesToKnowAndPlacesAgain() {
        List<Assignment> taken = new ArrayList<>();
        for (String device : List.of("0000:01:00.0", "0000:03:00.0", "0000:03:00.1", "0000:06:00.0")) {
            taken.add(assignOn(0).assign(Caller.operator(), new AssignRequest.Form("acme", "n1", List.of(device), null, false), null)
                    .assignment());
        }
        FleetView otherView = second.getBean(FollowChanges.class).view();
        await().atMost(Duration.ofSeconds(10)).until(() -> otherView.devicesOf("acme") == 4);

        releaseOn(0).release(Caller.operator(), taken.getFirst().id());
        await().atMost(Duration.ofSeconds(10)).until(() -> otherView.nodeState("n1").orElseThrow().isFree("0000:01:00.0"));

        Assignment placed = assignOn(1).assign(Caller.operator(), new AssignRequest.Form("globex", "n1", List.of(),
                new AssignRequest.SelectorForm((long) Fleet.NVIDIA, (long) Fleet.H100, null, 1L), false), null).assignment();
        assertThat(placed.bdfs()).containsExactly("0000:01:00.0");
    }
}
