package io.vfleet.assignment.adapter.web.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.vfleet.assignment.application.QueryFleet;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.support.CountingDataSource;
import io.vfleet.assignment.support.Fleet;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;
import org.springframework.transaction.support.TransactionTemplate;

@ServiceTest
class DashboardApiTest extends ServiceTestBase {

    /** The service's own background threads, which read the database on their own schedule. */
    private static final java.util.Set<String> BACKGROUND = java.util.Set.of("fleet-view", "reconcile", "inventory-feed",
            "audit-sequencer", "audit-checkpoints");

    @Autowired
    MockMvcTester mvc;

    @Autowired
    CountingDataSource database;

    @Autowired
    Assignments assignments;

    @Autowired
    TransactionTemplate transactions;

    String assign(String tenant, String node, String... devices) throws Exception {
        MvcTestResult created = mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"tenant\":\"" + tenant + "\",\"node\":\"" + node + "\",\"devices\":[\""
                        + String.join("\",\"", devices) + "\"]}")
                .exchange();
        assertThat(created).hasStatus(201);
        return JsonPath.read(created.getResponse().getContentAsString(), "$.id");
    }

    MvcTestResult release(String id) {
        return mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token").exchange();
    }

    String snapshot() throws Exception {
        return snapshot("");
    }

    String snapshot(String query) throws Exception {
        MvcTestResult snapshot = mvc.get().uri("/api/v1/dashboard?" + query).header("Authorization", "Bearer operator-token")
                .exchange();
        assertThat(snapshot).hasStatusOk();
        return snapshot.getResponse().getContentAsString();
    }

    /** One device as the node's detail, asked for on demand, shows it. */
    Map<String, Object> device(String node, String bdf) throws Exception {
        MvcTestResult detail = mvc.get().uri("/api/v1/dashboard/nodes/" + node).header("Authorization", "Bearer operator-token")
                .exchange();
        assertThat(detail).hasStatusOk();
        List<Map<String, Object>> found = JsonPath.read(detail.getResponse().getContentAsString(),
                "$.devices[?(@.bdf == '" + bdf + "')]");
        assertThat(found).as(node + " " + bdf).hasSize(1);
        return found.getFirst();
    }

    @Test
    void eachDeviceComesWithItsIommuGroupResetSetOwnerAndState() throws Exception {
        String id = assign("acme", "n1", "0000:02:00.0", "0000:02:00.1");

        String snapshot = snapshot();

        assertThat(device("n1", "0000:02:00.1"))
                .containsEntry("iommuGroup", 11)
                .containsEntry("resetSet", "bus:02")
                .containsEntry("vendorId", "0x10de")
                .containsEntry("deviceId", "0x22ba")
                .containsEntry("classCode", "0x040300")
                .containsEntry("state", "HELD")
                .containsEntry("tenant", "acme")
                .containsEntry("assignmentId", id)
                .containsEntry("assignmentState", "ACTIVE");
        assertThat(device("n1", "0000:01:00.0"))
                .containsEntry("state", "FREE")
                .containsEntry("stateReason", null)
                .containsEntry("tenant", null)
                .containsEntry("assignmentId", null);
        assertThat(device("n2", "0000:02:00.0")).containsEntry("state", "FREE");
        assertThat(JsonPath.<List<String>>read(snapshot, "$.nodes.items[*].node")).containsExactly("n1", "n2");
        assertThat(JsonPath.<Integer>read(snapshot, "$.inventoryRevision")).isZero();
    }

    @Test
    void aNoiommuDeviceIsMarkedUnsafe() throws Exception {

        assertThat(device("n1", "0000:05:00.0")).containsEntry("kind", "NOIOMMU").containsEntry("unsafe", true);
        assertThat(device("n1", "0000:06:00.0")).containsEntry("kind", "PHYSICAL").containsEntry("unsafe", false);
    }

    @Test
    void everyDeviceOfANodeWhoseAgentIsNotLiveIsUnreachableAndKeepsItsOwner() throws Exception {
        assign("acme", "n1", "0000:01:00.0");
        topologies.replace(Fleet.node("n1", false, false), 3);

        String snapshot = snapshot();

        assertThat(device("n1", "0000:01:00.0")).containsEntry("state", "UNREACHABLE").containsEntry("tenant", "acme");
        assertThat(device("n1", "0000:06:00.0")).containsEntry("state", "UNREACHABLE");
        assertThat(JsonPath.<List<Boolean>>read(snapshot, "$.nodes.items[*].live")).containsExactly(false, true);
    }

    @Test
    void aFunctionKeptByAHostDriverIsHostAndSaysWhy() throws Exception {
        topologies.replace(Fleet.withHostDrivers("n3"), 3);

        assertThat(device("n3", "0000:03:00.0"))
                .containsEntry("state", "HOST")
                .containsEntry("assignable", false)
                .containsEntry("tenant", null)
                .extractingByKey("stateReason").asString().contains("0000:03:00.0", "host driver", "vfio-pci");
        assertThat(device("n3", "0000:02:00.1")).containsEntry("state", "HOST");
        assertThat(device("n3", "0000:00:1c.0")).containsEntry("state", "HOST");
    }

    @Test
    void aVfioDeviceWhoseGroupHasAHostDrivenMemberIsNotAssignableAndNamesThatMember() throws Exception {
        topologies.replace(Fleet.withHostDrivers("n3"), 3);

        assertThat(device("n3", "0000:02:00.0"))
                .containsEntry("state", "NOT_ASSIGNABLE")
                .containsEntry("assignable", true)
                .extractingByKey("stateReason").asString()
                .contains("IOMMU group 21 is not viable", "0000:02:00.1 is kept by a host driver")
                .doesNotContain("0000:02:00.0 is");
    }

    @Test
    void aBridgeInTheGroupLeavesItsOtherMembersFree() throws Exception {
        topologies.replace(Fleet.withHostDrivers("n3"), 3);

        assertThat(device("n3", "0000:04:00.0"))
                .containsEntry("state", "FREE")
                .containsEntry("stateReason", null);
    }

    @Test
    void aNodeThatIsNotLiveShowsItsHostDrivenFunctionsAsUnreachable() throws Exception {
        NodeTopology workstation = Fleet.withHostDrivers("n3");
        topologies.replace(new NodeTopology("n3", false, false, workstation.devices()), 3);

        assertThat(device("n3", "0000:03:00.0")).containsEntry("state", "UNREACHABLE")
                .containsEntry("stateReason", null);
        assertThat(device("n3", "0000:02:00.0")).containsEntry("state", "UNREACHABLE");
    }

    @Test
    void aDeviceWhoseReleaseIsUnfinishedIsResetting() throws Exception {
        String id = assign("acme", "n1", "0000:01:00.0");
        agents.unreachable("n1", true);
        assertThat(release(id)).hasStatus(409);

        assertThat(device("n1", "0000:01:00.0"))
                .containsEntry("state", "RESETTING")
                .containsEntry("tenant", "acme")
                .containsEntry("assignmentState", "RELEASING");
    }

    @Test
    void aFreeDeviceFencedByAHotResetIsResettingWithoutAnOwner() throws Exception {
        String id = assign("acme", "n1", "0000:03:00.0");
        transactions.executeWithoutResult(status ->
                assertThat(assignments.fence(assignments.find(id).orElseThrow(), List.of("0000:03:00.1"))).isTrue());

        assertThat(device("n1", "0000:03:00.1"))
                .containsEntry("state", "RESETTING")
                .containsEntry("tenant", null)
                .containsEntry("assignmentId", id);
    }

    @Test
    void theNewestAssignmentsAndEventsComeFirstAndAreCapped() throws Exception {
        String last = null;
        for (int round = 0; round < 11; round++) {
            last = assign("acme", "n1", "0000:01:00.0");
            assertThat(release(last)).hasStatusOk();
        }

        String snapshot = snapshot();

        assertThat(JsonPath.<Integer>read(snapshot, "$.events.total")).isEqualTo(44);
        List<Integer> sequences = JsonPath.read(snapshot, "$.events.items[*].sequence");
        assertThat(sequences).hasSize(QueryFleet.NEWEST - 6).startsWith(44, 43).endsWith(1);
        assertThat(JsonPath.<Integer>read(snapshot, "$.assignments.total")).isEqualTo(11);
        assertThat(JsonPath.<String>read(snapshot, "$.assignments.items[0].id")).isEqualTo(last);
        assertThat(JsonPath.<String>read(snapshot, "$.assignments.items[0].state")).isEqualTo("RELEASED");
        assertThat(JsonPath.<List<String>>read(snapshot, "$.assignments.items[0].devices")).containsExactly("0000:01:00.0");
    }

    @Test
    void onlyOperatorsAndAuditorsSeeTheWholeFleet() {
        assertThat(mvc.get().uri("/api/v1/dashboard").header("Authorization", "Bearer auditor-token")).hasStatusOk();
        assertThat(mvc.get().uri("/api/v1/dashboard").header("Authorization", "Bearer orchestrator-token"))
                .hasStatus(403).bodyJson().extractingPath("$.detail").asString().contains("operators and auditors");
        assertThat(mvc.get().uri("/api/v1/dashboard").header("Authorization", "Bearer acme-token")).hasStatus(403);
        assertThat(mvc.get().uri("/api/v1/dashboard")).hasStatus(401);
    }

    @Test
    void theDashboardAddressLeadsToThePageWhichNeedsNoTokenToLoad() {
        assertThat(mvc.get().uri("/dashboard")).hasStatus(302).hasHeader("Location", "/dashboard/index.html");
        assertThat(mvc.get().uri("/dashboard/")).hasStatus(302);
        assertThat(mvc.get().uri("/dashboard/index.html")).hasStatusOk()
                .bodyText().contains("<main", "dashboard.js").doesNotContain("-token");
        assertThat(mvc.get().uri("/dashboard/render.js")).hasStatusOk().bodyText().doesNotContain("innerHTML");
    }

    @Test
    void theSummaryCountsTheWholeFleetAndTheFilterChoosesItsLines() throws Exception {
        assign("acme", "n1", "0000:01:00.0");
        assign("globex", "n2", "0000:06:00.0");
        topologies.replace(Fleet.node("n3", false, false), 3);

        String all = snapshot();
        String acme = snapshot("tenant=acme");
        String prefix = snapshot("node=n3");
        String held = snapshot("state=HELD&limit=1");

        assertThat(JsonPath.<Integer>read(all, "$.summary.nodes")).isEqualTo(3);
        assertThat(JsonPath.<Integer>read(all, "$.summary.liveNodes")).isEqualTo(2);
        assertThat(JsonPath.<Integer>read(all, "$.summary.devices.HELD")).isEqualTo(2);
        assertThat(JsonPath.<Integer>read(all, "$.summary.devices.UNREACHABLE")).isEqualTo(7);
        assertThat(JsonPath.<Integer>read(all, "$.summary.assignments.ACTIVE")).isEqualTo(2);
        assertThat(JsonPath.<Integer>read(all, "$.nodes.items[0].byState.HELD")).isEqualTo(1);
        assertThat(JsonPath.<List<String>>read(all, "$.nodes.items[0].tenants")).containsExactly("acme");
        assertThat(JsonPath.<List<String>>read(acme, "$.nodes.items[*].node")).containsExactly("n1");
        assertThat(JsonPath.<List<String>>read(acme, "$.assignments.items[*].tenant")).containsOnly("acme");
        assertThat(JsonPath.<Integer>read(acme, "$.summary.nodes")).as("the summary is the whole fleet's").isEqualTo(3);
        assertThat(JsonPath.<List<String>>read(prefix, "$.nodes.items[*].node")).containsExactly("n3");
        assertThat(JsonPath.<List<String>>read(held, "$.nodes.items[*].node")).containsExactly("n1");
        assertThat(JsonPath.<Integer>read(held, "$.nodes.total")).isEqualTo(2);
    }

    @Test
    void theDashboardReadsAsManyStatementsForTwoHundredNodesAsForTwo() throws Exception {
        // More audit events than two pages of the newest: the events are read the same way for both.
        for (int round = 0; round < 30; round++) {
            assertThat(release(assign("acme", "n1", "0000:03:00.0"))).hasStatusOk();
        }
        assign("acme", "n1", "0000:01:00.0");
        snapshot();
        CountingDataSource.Counts beforeTwo = database.countsExcept(BACKGROUND);
        snapshot();
        CountingDataSource.Counts two = database.countsExcept(BACKGROUND).minus(beforeTwo);
        for (int node = 0; node < 200; node++) {
            topologies.replace(Fleet.node(String.format("fleet-%03d", node)), 10 + node);
            assign("tenant-" + node, String.format("fleet-%03d", node), "0000:06:00.0");
        }
        // As for two: the snapshot before waits for the audit log to link what the assigns wrote, which
        // takes as many polls as the sequencer takes time.
        snapshot();
        CountingDataSource.Counts beforeMany = database.countsExcept(BACKGROUND);
        String many = snapshot();
        CountingDataSource.Counts twoHundredTwo = database.countsExcept(BACKGROUND).minus(beforeMany);

        assertThat(JsonPath.<Integer>read(many, "$.summary.nodes")).isEqualTo(202);
        assertThat(JsonPath.<Integer>read(many, "$.summary.devices.HELD")).isEqualTo(201);
        assertThat(twoHundredTwo.statements()).as("statements for 202 nodes, against %s for 2", two.statements())
                .isEqualTo(two.statements());
    }

    @Test
    void aNodeNobodyKnowsIsNotFound() {
        assertThat(mvc.get().uri("/api/v1/dashboard/nodes/nowhere").header("Authorization", "Bearer operator-token"))
                .hasStatus(404);
        assertThat(mvc.get().uri("/api/v1/dashboard/nodes/n1").header("Authorization", "Bearer acme-token")).hasStatus(403);
    }
}
