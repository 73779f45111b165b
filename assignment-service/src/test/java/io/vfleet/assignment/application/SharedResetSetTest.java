package io.vfleet.assignment.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import io.vfleet.agent.vmm.Checkpoints;
import io.vfleet.api.assignment.v1.ResetRequest;
import io.vfleet.api.assignment.v1.ResetResponse;
import io.vfleet.assignment.adapter.agent.AgentsOverGrpc;
import io.vfleet.assignment.support.Gate;
import io.vfleet.assignment.support.HeldNodeAgents;
import io.vfleet.assignment.support.InProcessAgent;
import io.vfleet.assignment.support.ServiceGrpc;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.engine.vfio.VfioDevice;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * Hot resets of a reset set whose other member is free, through the public APIs, against a real agent
 * on legacy-shared-bus: bus 04 holds 04:00.0 and 04:00.1, neither with FLR, each an IOMMU group of its
 * own, both on vfio-pci. The races are aimed at their windows: the service held between the fence's
 * commit and the agent call, and the agent held between binding the fenced port and resetting.
 */
@ServiceTest
class SharedResetSetTest extends ServiceTestBase {

    private static final String NODE = "legacy-03";
    private static final String PORT_0 = "0000:04:00.0";
    private static final String PORT_1 = "0000:04:00.1";

    @TempDir
    Path state;

    @Autowired
    MockMvcTester mvc;

    @Autowired
    DataSource dataSource;

    private final AtomicReference<Gate> agentGate = new AtomicReference<>();
    private InProcessAgent running;
    private HeldNodeAgents held;

    @BeforeEach
    void startTheAgent() {
        Checkpoints checkpoints = (point, assignmentId) -> {
            Gate gate = agentGate.getAndSet(null);
            if (gate != null && point.equals(Checkpoints.FENCED_MEMBERS_BOUND)) {
                gate.pass();
            }
        };
        running = InProcessAgent.start(InProcessAgent.shipped("legacy-shared-bus"), state, checkpoints);
        held = new HeldNodeAgents(AgentsOverGrpc.of(Map.of(NODE, running.channel())));
        agents.route(NODE, held);
        topologies.replace(running.topology(), 3);
    }

    @AfterEach
    void stopTheAgent() throws InterruptedException {
        running.close();
    }

    private MvcTestResult assign(String tenant, String... devices) {
        String list = String.join("\",\"", devices);
        return mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"tenant\":\"" + tenant + "\",\"node\":\"" + NODE + "\",\"devices\":[\"" + list + "\"]}")
                .exchange();
    }

    private String activeId(MvcTestResult created) throws Exception {
        assertThat(created).hasStatus(HttpStatus.CREATED);
        assertThat(created).bodyJson().extractingPath("$.state").isEqualTo("ACTIVE");
        return JsonPath.read(created.getResponse().getContentAsString(), "$.id");
    }

    private MvcTestResult reset(String id, String device) {
        return mvc.post().uri("/api/v1/assignments/" + id + "/reset").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON).content("{\"device\":\"" + device + "\"}").exchange();
    }

    private VfioDevice device(String bdf) {
        return running.inspect(kernel -> kernel.vfioDevice(bdf));
    }

    private int fences(boolean standing) {
        return jdbc.queryForObject("select count(*) from assignment.assignment_devices where role = 'FENCE'"
                + (standing ? " and held" : ""), Integer.class);
    }

    private int assignmentsOf(String tenant) {
        return jdbc.queryForObject("select count(*) from assignment.assignments where tenant = ?", Integer.class, tenant);
    }

    private void assertPort1UnboundAndFree() throws Exception {
        assertThat(device(PORT_1).openCount()).as("the agent's engine: closed").isZero();
        assertThat(device(PORT_1).iommufd()).as("the agent's engine: unbound").isNull();
        assertThat(fences(true)).as("the service: no fence left").isZero();
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where bdf = ? and held",
                Integer.class, PORT_1)).isZero();
    }

    @Test
    void aTenantHoldingOnePortHotResetsItWhileTheOtherPortIsFreeThroughRest() throws Exception {
        String acme = activeId(assign("acme", PORT_0));
        long port1Resets = device(PORT_1).resets();

        MvcTestResult reset = reset(acme, PORT_0);

        assertThat(reset).hasStatusOk();
        assertThat(reset).bodyJson().extractingPath("$.affected").asArray().containsExactly(PORT_0, PORT_1);
        assertThat(device(PORT_1).resets()).isGreaterThan(port1Resets);
        assertPort1UnboundAndFree();
        assertThat(jdbc.queryForList("""
                select detail from assignment.audit_events where kind = 'RESET_STARTED' and assignment_id = ?
                """, String.class, acme)).singleElement().asString().contains("fences 1 free function");
        // Free in the service too: another tenant is given it at once.
        activeId(assign("globex", PORT_1));
    }

    @Test
    void theSameResetGoesThroughGrpc() throws Exception {
        String acme = activeId(assign("acme", PORT_0));
        try (ServiceGrpc grpc = new ServiceGrpc()) {
            ResetResponse reset = grpc.as("acme-token").reset(ResetRequest.newBuilder().setId(acme).setDevice(PORT_0).build());

            assertThat(reset.getAffectedList()).containsExactly(PORT_0, PORT_1);
            assertThat(reset.getAssignment().getState().name()).isEqualTo("ACTIVE");
        }
        assertPort1UnboundAndFree();
    }

    @Test
    void anAssignRacingTheFenceBeforeTheAgentIsCalledIsRefusedBusyWithNothingStored() throws Exception {
        String acme = activeId(assign("acme", PORT_0));
        Gate beforeTheAgent = held.holdNext(HeldNodeAgents.Operation.HOT_RESET);
        CompletableFuture<MvcTestResult> resetting = CompletableFuture.supplyAsync(() -> reset(acme, PORT_0));
        beforeTheAgent.awaitHeld();
        assertThat(fences(true)).as("the fence is committed, the agent not yet asked").isEqualTo(1);
        assertThat(device(PORT_1).openCount()).isZero();

        MvcTestResult racing = assign("globex", PORT_1);

        assertThat(racing).hasStatus(HttpStatus.CONFLICT);
        assertThat(racing).bodyJson().extractingPath("$.violations[0].rule").isEqualTo("DEVICE_BUSY");
        assertThat(racing).bodyJson().extractingPath("$.violations[0].device").isEqualTo(PORT_1);
        assertThat(racing.getResponse().getContentAsString()).doesNotContain(acme).doesNotContain("acme");
        assertThat(assignmentsOf("globex")).as("nothing half-done").isZero();
        beforeTheAgent.open();
        assertThat(resetting.get(30, TimeUnit.SECONDS)).hasStatusOk()
                .bodyJson().extractingPath("$.affected").asArray().containsExactly(PORT_0, PORT_1);
        assertPort1UnboundAndFree();
        activeId(assign("globex", PORT_1));
    }

    @Test
    void anAssignRacingTheResetWhileTheAgentHoldsTheFencedPortIsRefusedBusyAndTheKernelHoldsItForTheReset() throws Exception {
        String acme = activeId(assign("acme", PORT_0));
        Gate insideTheAgent = new Gate();
        agentGate.set(insideTheAgent);
        CompletableFuture<MvcTestResult> resetting = CompletableFuture.supplyAsync(() -> reset(acme, PORT_0));
        insideTheAgent.awaitHeld();
        assertThat(device(PORT_1).openCount()).as("bound for the reset").isEqualTo(1);
        assertThat(device(PORT_1).iommufd()).as("to the assignment's iommufd").isSameAs(device(PORT_0).iommufd());
        assertThat(device(PORT_1).iommufdAttached()).as("never attached").isFalse();

        MvcTestResult racing = assign("globex", PORT_1);

        assertThat(racing).hasStatus(HttpStatus.CONFLICT);
        assertThat(racing).bodyJson().extractingPath("$.violations[0].rule").isEqualTo("DEVICE_BUSY");
        assertThat(assignmentsOf("globex")).isZero();
        insideTheAgent.open();
        assertThat(resetting.get(30, TimeUnit.SECONDS)).hasStatusOk();
        assertPort1UnboundAndFree();
        activeId(assign("globex", PORT_1));
    }

    @Test
    void aResetRacingAnAssignThatWonIsRefusedResetSetWithNothingFenced() throws Exception {
        String acme = activeId(assign("acme", PORT_0));
        Gate preparing = held.holdNext(HeldNodeAgents.Operation.PREPARE);
        CompletableFuture<MvcTestResult> winning = CompletableFuture.supplyAsync(() -> assign("globex", PORT_1));
        preparing.awaitHeld();
        String globex = jdbc.queryForObject("select id from assignment.assignments where tenant = 'globex'", String.class);

        MvcTestResult reset = reset(acme, PORT_0);

        assertThat(reset).hasStatus(HttpStatus.CONFLICT);
        assertThat(reset).bodyJson().extractingPath("$.violations[0].rule").isEqualTo("RESET_SET");
        assertThat(reset).bodyJson().extractingPath("$.violations[0].device").isEqualTo(PORT_1);
        assertThat(reset.getResponse().getContentAsString()).doesNotContain("globex").doesNotContain(globex);
        assertThat(fences(false)).as("nothing was fenced").isZero();
        preparing.open();
        assertThat(activeId(winning.get(30, TimeUnit.SECONDS))).isEqualTo(globex);
        assertThat(device(PORT_0).iommufdAttached()).isTrue();
    }

    @Test
    void aResetWhoseFenceLosesTheRaceAtTheUniqueIndexIsRefusedResetSetWithNothingFenced() throws Exception {
        String acme = activeId(assign("acme", PORT_0));
        try (Connection winner = dataSource.getConnection()) {
            winner.setAutoCommit(false);
            try (var statement = winner.createStatement()) {
                statement.execute("insert into assignment.assignments (id, tenant, node, state, with_kvm)"
                        + " values ('won', 'globex', '" + NODE + "', 'REQUESTED', false)");
                statement.execute("insert into assignment.assignment_devices (assignment_id, tenant, node, bdf, role,"
                        + " held, position, vfio_name, iommu_group, reset_set) values ('won', 'globex', '" + NODE + "', '"
                        + PORT_1 + "', 'OWNER', true, 0, '', 39, 'bus:0000:04')");
            }
            CompletableFuture<MvcTestResult> resetting = CompletableFuture.supplyAsync(() -> reset(acme, PORT_0));
            // The reset read the port as free and now waits at the index for the uncommitted reservation.
            await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject("""
                    select count(*) from pg_stat_activity
                    where wait_event_type = 'Lock' and query like '%insert into assignment_devices%'
                    """, Integer.class) == 1);
            winner.commit();

            MvcTestResult reset = resetting.get(30, TimeUnit.SECONDS);

            assertThat(reset).hasStatus(HttpStatus.CONFLICT);
            assertThat(reset).bodyJson().extractingPath("$.violations[0].rule").isEqualTo("RESET_SET");
            assertThat(reset.getResponse().getContentAsString()).doesNotContain("globex").doesNotContain("won");
        }
        assertThat(fences(false)).isZero();
        assertThat(jdbc.queryForObject("select count(*) from assignment.audit_events where kind = 'RESET_STARTED'",
                Integer.class)).isZero();
        assertThat(device(PORT_1).openCount()).isZero();
    }

    @Test
    void aPortHeldByAnotherAssignmentOfTheSameTenantRefusesTheResetAsTheKernelWould() throws Exception {
        String first = activeId(assign("acme", PORT_0));
        String second = activeId(assign("acme", PORT_1));

        MvcTestResult reset = reset(first, PORT_0);

        assertThat(reset).hasStatus(HttpStatus.CONFLICT);
        assertThat(reset).bodyJson().extractingPath("$.violations[0].rule").isEqualTo("RESET_SET");
        assertThat(reset).bodyJson().extractingPath("$.violations[0].detail").asString().contains(second);
        assertThat(fences(false)).isZero();
    }

    @Test
    void theReleaseOfAPortWhoseSetIsOtherwiseFreeResetsTheSetWithTheFreePortFencedAndLeavesNothingPending() throws Exception {
        String acme = activeId(assign("acme", PORT_0));
        long port1Resets = device(PORT_1).resets();

        assertThat(mvc.delete().uri("/api/v1/assignments/" + acme).header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.state").isEqualTo("RELEASED");

        assertThat(jdbc.queryForList("select detail from assignment.audit_events where assignment_id = ? order by id",
                String.class, acme)).anyMatch(detail -> detail.startsWith("the scrub of the release fences 1"))
                .anyMatch(detail -> detail.contains("set reset: [" + PORT_0 + "]"));
        assertThat(device(PORT_1).resets()).isGreaterThan(port1Resets);
        assertThat(jdbc.queryForObject("select count(*) from assignment.scrub_pending", Integer.class)).isZero();
        assertPort1UnboundAndFree();
        assertThat(device(PORT_0).openCount()).isZero();
    }

    @Test
    void theReleaseOfAPortWhoseSetAnotherTenantHoldsLeavesItPendingUntilAHotResetOfTheSetScrubsIt() throws Exception {
        String acme = activeId(assign("acme", PORT_0));
        String globex = activeId(assign("globex", PORT_1));

        assertThat(mvc.delete().uri("/api/v1/assignments/" + acme).header("Authorization", "Bearer operator-token"))
                .hasStatusOk();
        assertThat(fences(false)).as("another tenant holds the set: nothing to fence").isZero();
        assertThat(jdbc.queryForList("select bdf from assignment.scrub_pending", String.class)).containsExactly(PORT_0);
        assertThat(assign("initech", PORT_0)).hasStatus(HttpStatus.CONFLICT);

        // globex resets its port: the reset reaches the pending one, fenced, and scrubs it.
        assertThat(reset(globex, PORT_1)).hasStatusOk();

        assertThat(jdbc.queryForList("select bdf from assignment.scrub_pending", String.class)).isEmpty();
        activeId(assign("initech", PORT_0));
    }
}
