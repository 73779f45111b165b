package io.vfleet.assignment.application;

import static io.vfleet.assignment.support.ServiceGrpc.detail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import com.jayway.jsonpath.JsonPath;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.vfleet.agent.grpc.KernelStatus;
import io.vfleet.agent.vmm.Checkpoints;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.assignment.v1.AssignRequest;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.api.assignment.v1.Violations;
import io.vfleet.assignment.adapter.agent.AgentsOverGrpc;
import io.vfleet.assignment.support.InProcessAgent;
import io.vfleet.assignment.support.ScriptedFailures;
import io.vfleet.assignment.support.ServiceGrpc;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.engine.Errno;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.assertj.MockMvcTester;
import org.springframework.test.web.servlet.assertj.MvcTestResult;

/**
 * Every refusal an agent can answer, through the public APIs: a real agent (gpu-server-8x) behind the
 * service's gRPC adapter, whose next Prepare, HotReset or Release is answered on the wire as the agent's
 * edge answers a refusal. Each becomes one precise outcome, with the agent's words kept in the answer;
 * only EBUSY is DEVICE_BUSY.
 */
@ServiceTest
class AgentRefusalsTest extends ServiceTestBase {

    private static final String NODE = "gpu-server-01";
    private static final String GPU = "0000:18:00.0";

    @TempDir
    Path state;

    @Autowired
    MockMvcTester mvc;

    private final ScriptedFailures failures = new ScriptedFailures();
    private InProcessAgent running;

    @BeforeEach
    void startTheAgent() {
        running = InProcessAgent.start(InProcessAgent.shipped("gpu-server-8x"), state, Checkpoints.NONE, failures);
        agents.route(NODE, AgentsOverGrpc.of(Map.of(NODE, running.channel())));
        topologies.replace(running.topology(), 3);
    }

    @AfterEach
    void stopTheAgent() throws InterruptedException {
        running.close();
    }

    /** A refusal by the node's kernel, as the agent sends it. */
    private static StatusRuntimeException kernel(String errno) {
        Errno refused = Errno.valueOf(errno);
        return KernelStatus.of(refused, refused.name() + " from the kernel", Map.of("device", GPU), null);
    }

    /** A refusal by the agent's own rules, as the agent sends it (node_agent.proto lists the codes). */
    private static StatusRuntimeException agentsOwn(String reason) {
        Status.Code code = switch (reason) {
            case "INVALID_ORDER", "DEVICE_NOT_IN_ASSIGNMENT" -> Status.Code.INVALID_ARGUMENT;
            case "UNKNOWN_DEVICE", "NOT_PREPARED" -> Status.Code.NOT_FOUND;
            default -> Status.Code.FAILED_PRECONDITION;
        };
        return KernelStatus.refusal(code, reason, reason + " by the agent", Map.of("device", GPU));
    }

    private static StatusRuntimeException answer(String reason) {
        return reason.startsWith("E") ? kernel(reason) : agentsOwn(reason);
    }

    private MvcTestResult assign() {
        return mvc.post().uri("/api/v1/assignments").header("Authorization", "Bearer operator-token")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"tenant\":\"acme\",\"node\":\"" + NODE + "\",\"devices\":[\"" + GPU + "\"]}").exchange();
    }

    private String activeId() throws Exception {
        MvcTestResult created = assign();
        assertThat(created).hasStatus(HttpStatus.CREATED);
        return JsonPath.read(created.getResponse().getContentAsString(), "$.id");
    }

    private int held() {
        return jdbc.queryForObject("select count(*) from assignment.assignment_devices where held", Integer.class);
    }

    @ParameterizedTest(name = "{0} at prepare is {1}")
    @CsvSource({
            "EBUSY, DEVICE_BUSY",
            "EPERM, NODE_DENIED",
            "EACCES, NODE_DENIED",
            "EINVAL, NODE_REFUSED",
            "EADDRINUSE, NODE_REFUSED",
            "ENODEV, NO_MATCHING_DEVICE",
            "ENOENT, NO_MATCHING_DEVICE",
            "ENOMEM, NODE_EXHAUSTED",
            "ENOSPC, NODE_EXHAUSTED",
            "UNKNOWN_DEVICE, NO_MATCHING_DEVICE",
            "ASSIGNMENT_CONFLICT, NODE_REFUSED",
            "INVALID_ORDER, NODE_REFUSED",
    })
    void aRefusedPrepareIsOneRuleWithTheAgentsWordsAndLeavesAFailedAssignmentHoldingNothing(String reason, String rule) {
        failures.failNext(NodeAgentGrpc.getPrepareMethod(), answer(reason));

        MvcTestResult refused = assign();

        assertThat(refused).hasStatus(HttpStatus.CONFLICT);
        assertThat(refused).bodyJson().extractingPath("$.violations").asArray().hasSize(1);
        assertThat(refused).bodyJson().extractingPath("$.violations[0].rule").isEqualTo(rule);
        assertThat(refused).bodyJson().extractingPath("$.violations[0].device").isEqualTo(GPU);
        if (reason.startsWith("E")) {
            assertThat(refused).bodyJson().extractingPath("$.violations[0].errno").isEqualTo(reason);
            assertThat(refused).bodyJson().extractingPath("$.violations[0].errnoNumber").isEqualTo(Errno.valueOf(reason).number());
        } else {
            assertThat(refused).bodyJson().extractingPath("$.violations[0].agentReason").isEqualTo(reason);
        }
        assertThat(refused).bodyJson().extractingPath("$.assignmentId").isNotNull();
        assertThat(jdbc.queryForObject("select state from assignment.assignments", String.class)).isEqualTo("FAILED");
        assertThat(held()).isZero();
    }

    @Test
    void aStaleEpochAtPrepareIsAConflictNotABusyDevice() {
        failures.failNext(NodeAgentGrpc.getPrepareMethod(), agentsOwn("STALE_EPOCH"));

        MvcTestResult refused = assign();

        assertThat(refused).hasStatus(HttpStatus.CONFLICT);
        assertThat(refused).bodyJson().extractingPath("$.type").isEqualTo("urn:vfleet:problem:conflict");
        assertThat(refused).bodyJson().extractingPath("$.reason").isEqualTo("SUPERSEDED");
        assertThat(refused).bodyJson().extractingPath("$.agentReason").isEqualTo("STALE_EPOCH");
        assertThat(held()).isZero();
    }

    @Test
    void overGrpcTheRuleIsTheReasonAndTheErrnoTravelsInTheErrorInfo() throws Exception {
        try (ServiceGrpc grpc = new ServiceGrpc()) {
            AssignmentsGrpc.AssignmentsBlockingStub stub = grpc.as("operator-token");
            AssignRequest request = AssignRequest.newBuilder().setTenant("acme").setNode(NODE).addDevices(GPU).build();

            failures.failNext(NodeAgentGrpc.getPrepareMethod(), kernel("EPERM"));
            StatusRuntimeException denied = catchThrowableOfType(StatusRuntimeException.class, () -> stub.assign(request));
            failures.failNext(NodeAgentGrpc.getPrepareMethod(), kernel("EBUSY"));
            StatusRuntimeException busy = catchThrowableOfType(StatusRuntimeException.class, () -> stub.assign(request));
            failures.failNext(NodeAgentGrpc.getPrepareMethod(), agentsOwn("STALE_EPOCH"));
            StatusRuntimeException superseded = catchThrowableOfType(StatusRuntimeException.class, () -> stub.assign(request));

            assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            assertThat(detail(denied, ErrorInfo.class).getReason()).isEqualTo("NODE_DENIED");
            assertThat(detail(denied, ErrorInfo.class).getMetadataMap())
                    .containsEntry("errno", "EPERM").containsEntry("errno_number", "1").containsEntry("device", GPU);
            assertThat(detail(denied, Violations.class).getViolations(0).getErrnoNumber()).isEqualTo(1);
            assertThat(detail(busy, ErrorInfo.class).getReason()).isEqualTo("DEVICE_BUSY");
            assertThat(detail(busy, ErrorInfo.class).getMetadataMap()).containsEntry("errno", "EBUSY").containsEntry("errno_number", "16");
            assertThat(superseded.getStatus().getCode()).isEqualTo(Status.Code.ABORTED);
            assertThat(detail(superseded, ErrorInfo.class).getReason()).isEqualTo("SUPERSEDED");
            assertThat(detail(superseded, ErrorInfo.class).getMetadataMap()).containsEntry("agent_reason", "STALE_EPOCH");
        }
    }

    @ParameterizedTest(name = "{0} at hot reset is {1}")
    @CsvSource({
            "EBUSY, DEVICE_BUSY",
            "EINVAL, RESET_SET",
            "ENODEV, RESET_SET",
            "EPERM, NODE_DENIED",
            "ENOMEM, NODE_EXHAUSTED",
            "NOT_FENCED, RESET_SET",
            "DEVICE_NOT_IN_ASSIGNMENT, NODE_REFUSED",
    })
    void aRefusedHotResetIsOneRuleAndLeavesTheAssignmentActiveWithNoFence(String reason, String rule) throws Exception {
        String id = activeId();
        failures.failNext(NodeAgentGrpc.getHotResetMethod(), answer(reason));

        MvcTestResult refused = mvc.post().uri("/api/v1/assignments/" + id + "/reset")
                .header("Authorization", "Bearer operator-token").exchange();

        assertThat(refused).hasStatus(HttpStatus.CONFLICT);
        assertThat(refused).bodyJson().extractingPath("$.violations[0].rule").isEqualTo(rule);
        assertThat(refused.getResponse().getContentAsString()).contains(reason);
        assertThat(mvc.get().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.state").isEqualTo("ACTIVE");
        assertThat(jdbc.queryForObject("select count(*) from assignment.assignment_devices where role = 'FENCE' and held",
                Integer.class)).isZero();
    }

    @Test
    void aHotResetTheAgentHoldsNothingForOrThatASupersededDecisionReachesIsAConflict() throws Exception {
        String id = activeId();
        failures.failNext(NodeAgentGrpc.getHotResetMethod(), agentsOwn("NOT_PREPARED"));
        MvcTestResult notPrepared = mvc.post().uri("/api/v1/assignments/" + id + "/reset")
                .header("Authorization", "Bearer operator-token").exchange();
        failures.failNext(NodeAgentGrpc.getHotResetMethod(), agentsOwn("STALE_EPOCH"));
        MvcTestResult superseded = mvc.post().uri("/api/v1/assignments/" + id + "/reset")
                .header("Authorization", "Bearer operator-token").exchange();

        assertThat(notPrepared).hasStatus(HttpStatus.CONFLICT);
        assertThat(notPrepared).bodyJson().extractingPath("$.reason").isEqualTo("AGENT_REFUSED");
        assertThat(notPrepared).bodyJson().extractingPath("$.agentReason").isEqualTo("NOT_PREPARED");
        assertThat(superseded).hasStatus(HttpStatus.CONFLICT);
        assertThat(superseded).bodyJson().extractingPath("$.reason").isEqualTo("SUPERSEDED");
    }

    @Test
    void aRefusedReleaseIsAConflictWithTheErrnoAndIsFinishedByTheNextRelease() throws Exception {
        String id = activeId();
        failures.failNext(NodeAgentGrpc.getReleaseMethod(), kernel("EPERM"));

        MvcTestResult refused = mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token").exchange();

        assertThat(refused).hasStatus(HttpStatus.CONFLICT);
        assertThat(refused).bodyJson().extractingPath("$.reason").isEqualTo("AGENT_REFUSED");
        assertThat(refused).bodyJson().extractingPath("$.errno").isEqualTo("EPERM");
        assertThat(refused).bodyJson().extractingPath("$.errnoNumber").isEqualTo(1);
        assertThat(mvc.delete().uri("/api/v1/assignments/" + id).header("Authorization", "Bearer operator-token"))
                .hasStatusOk().bodyJson().extractingPath("$.state").isEqualTo("RELEASED");
        assertThat(held()).isZero();
    }
}
