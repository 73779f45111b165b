package io.vfleet.assignment.adapter.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import io.micrometer.core.instrument.MeterRegistry;
import io.vfleet.assignment.application.ReconcileNode;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * What an operator sees of the service without reading its database: the probes, the Prometheus
 * scrape after real work, and the assignment id on the log lines of each operation.
 */
@ServiceTest
@ExtendWith(OutputCaptureExtension.class)
class ObservabilityTest extends ServiceTestBase {

    @Autowired
    MockMvcTester mvc;

    @Autowired
    MeterRegistry registry;

    @Autowired
    ReconcileNode reconcile;

    MvcTestResult assign(String devices) {
        return mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"tenant\":\"acme\",\"node\":\"n1\",\"devices\":[" + devices + "]}").exchange();
    }

    String idOf(MvcTestResult created) throws Exception {
        return JsonPath.read(created.getResponse().getContentAsString(), "$.id");
    }

    MvcTestResult scrape(String token) {
        return mvc.get().uri("/actuator/prometheus").header("Authorization", "Bearer " + token).exchange();
    }

    double count(String name, String... tags) {
        var counter = registry.find(name).tags(tags).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void prometheusShowsStatesAgentCallsErrorsRefusalsAndRepairsAfterAnAssignmentARefusalAndARelease() throws Exception {
        double busyBefore = count("vfleet.assignment.refusals", "rule", "DEVICE_BUSY");
        double ebusyBefore = count("vfleet.assignment.agent.errors", "operation", "prepare", "errno", "EBUSY");
        MvcTestResult created = assign("\"0000:01:00.0\"");
        assertThat(created).hasStatus(HttpStatus.CREATED);
        // The agent holds 0000:06:00.0 for nobody the database knows: it refuses to open it again.
        agents.plant("n1", new NodeAgents.PrepareCall("ghost", "acme", List.of("0000:06:00.0"), false, 1));
        assertThat(assign("\"0000:06:00.0\"")).hasStatus(HttpStatus.CONFLICT);
        assertThat(mvc.delete().uri("/api/v1/assignments/" + idOf(created)).header("Authorization", "Bearer operator-token"))
                .hasStatusOk();
        reconcile.reconcile("n1", Instant.now());

        MvcTestResult scraped = scrape("operator-token");

        assertThat(scraped).hasStatusOk();
        assertThat(scraped).bodyText()
                .contains("vfleet_assignment_assignments{state=\"RELEASED\"} 1.0")
                .contains("vfleet_assignment_assignments{state=\"FAILED\"} 1.0")
                .contains("vfleet_assignment_assignments{state=\"ACTIVE\"} 0.0")
                .containsPattern("vfleet_assignment_agent_call_seconds_bucket\\{operation=\"prepare\",outcome=\"ok\",le=\"[^\"]+\"}")
                .contains("vfleet_assignment_agent_call_seconds_count{operation=\"prepare\",outcome=\"refused\"}")
                .contains("vfleet_assignment_agent_call_seconds_count{operation=\"release\",outcome=\"ok\"}")
                .contains("vfleet_assignment_agent_errors_total{errno=\"EBUSY\",operation=\"prepare\"}")
                .contains("vfleet_assignment_refusals_total{rule=\"DEVICE_BUSY\"}")
                .contains("vfleet_assignment_reconcile_repairs_total{repair=\"released_orphan\"}");
        assertThat(count("vfleet.assignment.refusals", "rule", "DEVICE_BUSY")).isEqualTo(busyBefore + 1);
        assertThat(count("vfleet.assignment.agent.errors", "operation", "prepare", "errno", "EBUSY")).isEqualTo(ebusyBefore + 1);
    }

    @Test
    void prometheusNeedsAnOperatorsOrAnAuditorsToken() {
        assertThat(mvc.get().uri("/actuator/prometheus")).hasStatus(HttpStatus.UNAUTHORIZED)
                .bodyJson().extractingPath("$.type").isEqualTo("urn:vfleet:problem:unauthenticated");
        assertThat(scrape("not-a-token")).hasStatus(HttpStatus.UNAUTHORIZED);
        assertThat(scrape("orchestrator-token")).hasStatus(HttpStatus.FORBIDDEN);
        assertThat(scrape("auditor-token")).hasStatusOk();
    }

    @Test
    void livenessAndReadinessAnswerWithoutAToken() {
        assertThat(mvc.get().uri("/actuator/health/liveness")).hasStatusOk()
                .bodyJson().extractingPath("$.status").isEqualTo("UP");
        assertThat(mvc.get().uri("/actuator/health/readiness")).hasStatusOk()
                .bodyJson().extractingPath("$.status").isEqualTo("UP");
    }

    @Test
    void everyLogLineOfAnAssignmentAndOfItsReleaseNamesIt(CapturedOutput output) throws Exception {
        MvcTestResult created = assign("\"0000:01:00.0\"");
        String id = idOf(created);
        mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token").exchange();

        List<String> lines = output.getOut().lines()
                .filter(line -> line.contains("--- [assignment-service]") && line.contains("0000:01:00.0")).toList();

        assertThat(lines).anySatisfy(line -> assertThat(line).contains("[" + id + "]").contains("ACTIVE on node n1"));
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("[" + id + "]").contains("released on node n1"));
        assertThat(lines).allSatisfy(line -> assertThat(line).contains("[" + id + "]"));
    }

    @Test
    void aRefusalIsLoggedUnderTheIdTheAssignmentWouldHaveHad(CapturedOutput output) {
        assertThat(assign("\"0000:99:00.0\"")).hasStatus(HttpStatus.CONFLICT);

        assertThat(output.getOut().lines().filter(line -> line.contains("refused for tenant acme")))
                .singleElement().asString().containsPattern("\\[[0-9a-f-]{36}]");
    }
}
