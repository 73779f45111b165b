package io.vfleet.assignment.adapter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.assignment.application.AssignRequest;
import io.vfleet.security.Caller;
import io.vfleet.assignment.application.ReconcileNode;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.IdempotencyKeys;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.AgentAnswer;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.DeviceSelector;
import io.vfleet.assignment.domain.Preparation;
import io.vfleet.assignment.support.InProcessAgent;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The use cases and the gRPC adapter against a real agent: the engine of {@code gpu-server-8x}
 * behind the agent's own NodeAgent service, on an in-process channel; the database is the shared one.
 */
@ServiceTest
class RealAgentTest extends ServiceTestBase {

    private static final String NODE = "gpu-server-01";

    @TempDir
    Path state;

    @Autowired
    TransactionTemplate transactions;
    @Autowired
    Assignments assignments;
    @Autowired
    Tenants tenants;
    @Autowired
    IdempotencyKeys idempotencyKeys;
    @Autowired
    FencingEpochs epochs;
    @Autowired
    AuditLog audit;

    private InProcessAgent running;
    private GrpcNodeAgents agent;
    private AssignDevices assign;
    private ReleaseAssignment release;
    private ResetAssignment reset;
    private ReconcileNode reconcile;

    @BeforeEach
    void startTheAgent() {
        running = InProcessAgent.start(InProcessAgent.shipped("gpu-server-8x"), state);
        agent = new GrpcNodeAgents(node -> {
            if (!node.equals(NODE)) {
                throw new GrpcNodeAgents.UnknownNode(node);
            }
            return running.channel();
        }, Duration.ofSeconds(10));
        topologies.replace(running.topology(), 3);
        ReleaseAssignment.Ports ports = new ReleaseAssignment.Ports(assignments, topologies, epochs, agent, audit,
                Telemetry.NONE);
        release = new ReleaseAssignment(transactions, ports);
        assign = new AssignDevices(transactions, new AssignDevices.Ports(assignments, tenants, topologies, idempotencyKeys,
                epochs, agent, audit, Telemetry.NONE), release);
        reset = new ResetAssignment(transactions, ports);
        reconcile = new ReconcileNode(transactions, ports, tenants, release);
    }

    @AfterEach
    void stopTheAgent() throws InterruptedException {
        running.close();
    }

    @Test
    void assignResetReleaseGoThroughTheRealAgentAndLeaveItEmpty() {
        Assignment active = assign.assign(Caller.operator(), new AssignRequest("acme", null, List.of(),
                new DeviceSelector(0x10de, 0x2330, null, 2), true), null).assignment();

        assertThat(active.state()).isEqualTo(AssignmentState.ACTIVE);
        assertThat(active.node()).isEqualTo(NODE);
        assertThat(active.devices()).hasSize(2).allSatisfy(device -> assertThat(device.devid()).isNotNull());
        assertThat(active.ioasId()).isNotNull();
        assertThat(agent.listPrepared(NODE)).extracting(NodeAgents.Prepared::assignmentId).containsExactly(active.id());

        ResetAssignment.Outcome outcome = reset.reset(Caller.operator(), active.id(), null);
        assertThat(outcome.affected()).contains(active.bdfs().getFirst());

        Assignment released = release.release(Caller.operator(), active.id());
        assertThat(released.state()).isEqualTo(AssignmentState.RELEASED);
        assertThat(agent.listPrepared(NODE)).isEmpty();
        assertThat(reconcile.reconcile(NODE, Instant.now()).repairs()).isEmpty();
    }

    @Test
    void anOrphanOnTheRealAgentIsReleasedByReconciliation() {
        agent.prepare(NODE, new NodeAgents.PrepareCall("orphan", "acme", List.of("0000:18:00.0"), false, 1));

        ReconcileNode.Report report = reconcile.reconcile(NODE, Instant.now());

        assertThat(report.repairs()).singleElement().asString().contains("orphan");
        assertThat(agent.listPrepared(NODE)).isEmpty();
    }

    @Test
    void theRealAgentsRefusalsKeepTheirReasonAndDevice() {
        Preparation first = agent.prepare(NODE, new NodeAgents.PrepareCall("a-1", "acme", List.of("0000:18:00.0"), false, 5));
        assertThat(first.devices()).singleElement().satisfies(device -> assertThat(device.bdf()).isEqualTo("0000:18:00.0"));

        assertThatThrownBy(() -> agent.release(NODE, new NodeAgents.ReleaseCall("a-1", true, 4, List.of())))
                .isInstanceOfSatisfying(NodeAgents.AgentRefused.class,
                        refused -> {
                            assertThat(refused.refusal()).isEqualTo(NodeAgents.Refusal.STALE_EPOCH);
                            assertThat(refused.answer()).isEqualTo(new AgentAnswer("STALE_EPOCH", null));
                        });
        assertThatThrownBy(() -> agent.prepare(NODE,
                        new NodeAgents.PrepareCall("a-2", "globex", List.of("0000:18:00.0"), false, 6)))
                .isInstanceOfSatisfying(NodeAgents.AgentRefused.class,
                        refused -> {
                            assertThat(refused.refusal()).as("a device has one bound file at a time").isEqualTo(NodeAgents.Refusal.INVALID);
                            assertThat(refused.answer()).isEqualTo(new AgentAnswer("EINVAL", 22));
                            assertThat(refused.device()).isEqualTo("0000:18:00.0");
                        });
    }

    @Test
    void aNodeWithoutAnEndpointIsUnreachable() {
        assertThatThrownBy(() -> agent.listPrepared("elsewhere")).isInstanceOf(NodeAgents.AgentUnreachable.class);
    }
}
