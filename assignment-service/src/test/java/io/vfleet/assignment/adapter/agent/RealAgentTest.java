package io.vfleet.assignment.adapter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.vmm.Checkpoints;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.ReleaseRequest;
import io.vfleet.assignment.adapter.persistence.AnotherReplica;
import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.assignment.application.AssignRequest;
import io.vfleet.assignment.application.Conflict;
import io.vfleet.security.Caller;
import io.vfleet.assignment.application.ReconcileNode;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.IdempotencyKeys;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.NodeLocks;
import io.vfleet.assignment.application.port.Telemetry;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.AgentAnswer;
import io.vfleet.assignment.domain.AssignedDevice;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.AuditEvent;
import io.vfleet.assignment.domain.Preparation;
import io.vfleet.assignment.domain.TenantPolicy;
import io.vfleet.assignment.domain.TopologyDevice;
import io.vfleet.assignment.support.Gate;
import io.vfleet.assignment.support.InProcessAgent;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.config.AutowireCapableBeanFactory;
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
    @Autowired
    AutowireCapableBeanFactory beans;
    @Autowired
    NodeLocks locks;

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AgentBootIds bootIds = new AgentBootIds(meters);
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
        }, Duration.ofSeconds(10), bootIds);
        topologies.replace(running.topology(), 3);
        ReleaseAssignment.Ports ports = new ReleaseAssignment.Ports(assignments, topologies, follow.view(), epochs, agent,
                audit, Telemetry.NONE);
        release = new ReleaseAssignment(transactions, ports);
        assign = new AssignDevices(transactions, new AssignDevices.Ports(assignments, tenants, idempotencyKeys,
                epochs, agent, Telemetry.NONE), follow, release, Runnable::run);
        reset = new ResetAssignment(transactions, ports);
        reconcile = new ReconcileNode(transactions, ports, tenants, release, locks);
    }

    @AfterEach
    void stopTheAgent() throws InterruptedException {
        running.close();
    }

    @Test
    void assignResetReleaseGoThroughTheRealAgentAndLeaveItEmpty() {
        Assignment active = assign.assign(Caller.operator(), new AssignRequest.Form("acme", NODE, null,
                new AssignRequest.SelectorForm(0x10deL, 0x2330L, null, 2L), true), null).assignment();

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

    /**
     * Two releases on one node at once, each with its own fresh epoch: the one that took the older epoch is
     * held on its way to the agent until the newer one was answered, so the agent sees them out of order.
     * Both are carried out: one assignment's newer epoch does not fence another's.
     */
    @Test
    void twoReleasesOnOneNodeArrivingOutOfOrderAreBothCarriedOut() throws Exception {
        Gate olderRelease = new Gate();
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        restartHoldingTheFirst(NodeAgentGrpc.getReleaseMethod(), olderRelease, message -> arrivals.add(((ReleaseRequest) message).getEpoch()));
        Assignment first = assignOneGpu();
        Assignment second = assignOneGpu();

        CompletableFuture<Assignment> releasingFirst = CompletableFuture.supplyAsync(() -> release.release(Caller.operator(), first.id()));
        olderRelease.awaitHeld();
        Assignment secondReleased = release.release(Caller.operator(), second.id());
        olderRelease.open();
        Assignment firstReleased = releasingFirst.get(60, TimeUnit.SECONDS);

        assertThat(arrivals).as("the newer epoch reached the agent first").hasSize(2)
                .satisfies(epochs -> assertThat(epochs.get(0)).isGreaterThan(epochs.get(1)));
        assertThat(secondReleased.state()).isEqualTo(AssignmentState.RELEASED);
        assertThat(firstReleased.state()).isEqualTo(AssignmentState.RELEASED);
        assertThat(agent.listPrepared(NODE)).isEmpty();
    }

    /**
     * One controller's two prepares for different assignments on one node, sent at once with fresh epochs of
     * its term: the one with the older epoch is held on its way to the agent until the newer one was
     * answered. Both are carried out.
     */
    @Test
    void twoPreparesOnOneNodeArrivingOutOfOrderAreBothCarriedOut() throws Exception {
        Gate olderPrepare = new Gate();
        List<Long> arrivals = new CopyOnWriteArrayList<>();
        restartHoldingTheFirst(NodeAgentGrpc.getPrepareMethod(), olderPrepare, message -> arrivals.add(((PrepareRequest) message).getEpoch()));
        long term = transactions.execute(status -> epochs.takeControl(NODE));
        long older = transactions.execute(status -> epochs.next(NODE));
        long newer = transactions.execute(status -> epochs.next(NODE));

        CompletableFuture<Preparation> first = CompletableFuture.supplyAsync(() -> agent.prepare(NODE,
                new NodeAgents.PrepareCall("first", "acme", List.of("0000:18:00.0"), false, older, term)));
        olderPrepare.awaitHeld();
        Preparation second = agent.prepare(NODE, new NodeAgents.PrepareCall("second", "acme", List.of("0000:19:00.0"), false,
                newer, term));
        olderPrepare.open();

        assertThat(first.get(60, TimeUnit.SECONDS).devices()).hasSize(1);
        assertThat(second.devices()).hasSize(1);
        assertThat(arrivals).as("the newer epoch reached the agent first").containsExactly(newer, older);
        assertThat(agent.listPrepared(NODE)).extracting(NodeAgents.Prepared::assignmentId)
                .containsExactlyInAnyOrder("first", "second");
    }

    /**
     * A release this process sent while it controlled the node is held on its way to the agent; meanwhile
     * another replica takes the node over, and a release under the new term reaches the agent. The held
     * release, of the term that lost the node, is then refused (SUPERSEDED) and changes nothing there.
     */
    @Test
    void aReleaseOfAControllerThatLostTheNodeIsRefusedAndChangesNothing() throws Exception {
        Gate lostRelease = new Gate();
        List<Long> terms = new CopyOnWriteArrayList<>();
        restartHoldingTheFirst(NodeAgentGrpc.getReleaseMethod(), lostRelease, message -> terms.add(((ReleaseRequest) message).getTerm()));
        Assignment first = assignOneGpu();
        Assignment second = assignOneGpu();
        long lost = transactions.execute(status -> epochs.takeControl(NODE));

        CompletableFuture<Assignment> releasingFirst = CompletableFuture.supplyAsync(() -> release.release(Caller.operator(), first.id()));
        lostRelease.awaitHeld();
        FencingEpochs anotherReplica = AnotherReplica.fencing(beans);
        long taken = transactions.execute(status -> anotherReplica.takeControl(NODE));
        Assignment secondReleased = release.release(Caller.operator(), second.id());
        lostRelease.open();

        assertThat(taken).isGreaterThan(lost);
        assertThat(secondReleased.state()).isEqualTo(AssignmentState.RELEASED);
        assertThatThrownBy(() -> releasingFirst.get(60, TimeUnit.SECONDS)).cause()
                .isInstanceOfSatisfying(Conflict.class, conflict -> assertThat(conflict.reason()).isEqualTo(Conflict.Reason.SUPERSEDED));
        assertThat(terms).as("the new term's release reached the agent before the lost one's").containsExactly(taken, lost);
        assertThat(agent.listPrepared(NODE)).extracting(NodeAgents.Prepared::assignmentId).containsExactly(first.id());
        assertThat(assignments.find(first.id()).orElseThrow().state()).isEqualTo(AssignmentState.RELEASING);
    }

    /**
     * A replica stored PREPARING and died before it called the agent, which has seen that replica's term
     * since. The replica that takes the node over fences the assignment out under its own, newer term (the
     * agent takes it) and fails it: a fence of no term would be refused as a lost controller's and leave
     * the assignment PREPARING for good.
     */
    @Test
    void aPrepareADeadReplicaNeverSentIsFencedOutAndFailedByTheReplicaThatTakesTheNodeOver() {
        long dead = transactions.execute(status -> epochs.takeControl(NODE));
        Assignment seenByTheAgent = assignOneGpu();
        Assignment requested = Assignment.requested("unsent", "acme", NODE, List.of(new AssignedDevice("0000:9a:00.0",
                "/dev/vfio/devices/vfio40", 40, "slot:9a", TopologyDevice.Kind.PHYSICAL, null, null, null)), false)
                .to(AssignmentState.PREPARING);
        Assignment unsent = transactions.execute(status -> assignments.reserve(requested, TenantPolicy.defaults("acme"),
                AuditEvent.of("operator:test", AuditEvent.Kind.ASSIGNMENT_STATE, requested, requested.state().name())));
        FencingEpochs successor = AnotherReplica.fencing(beans);
        ReconcileNode takingOver = new ReconcileNode(transactions, new ReleaseAssignment.Ports(assignments, topologies,
                follow.view(), successor, agent, audit, Telemetry.NONE), tenants, release, locks);

        ReconcileNode.Report report = takingOver.reconcile(NODE, Instant.now());

        long taken = transactions.execute(status -> successor.term(NODE));
        assertThat(taken).isGreaterThan(dead);
        assertThat(report.repairs()).singleElement().asString().contains("unsent: PREPARING → FAILED");
        assertThat(assignments.find(unsent.id()).orElseThrow().state()).isEqualTo(AssignmentState.FAILED);
        assertThat(agent.listPrepared(NODE)).extracting(NodeAgents.Prepared::assignmentId).containsExactly(seenByTheAgent.id());
    }

    /** Restarts the agent so that the first call of {@code method} is held at {@code gate}; every call's message is shown to {@code arrival}. */
    private void restartHoldingTheFirst(MethodDescriptor<?, ?> method, Gate gate, Consumer<Object> arrival) throws InterruptedException {
        AtomicInteger calls = new AtomicInteger();
        ServerInterceptor hold = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                if (!call.getMethodDescriptor().getFullMethodName().equals(method.getFullMethodName())) {
                    return next.startCall(call, headers);
                }
                if (calls.getAndIncrement() == 0) {
                    gate.pass();
                }
                return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
                    @Override
                    public void onMessage(Q message) {
                        arrival.accept(message);
                        super.onMessage(message);
                    }
                };
            }
        };
        running.close();
        running = InProcessAgent.start(InProcessAgent.shipped("gpu-server-8x"), state.resolve("held"), Checkpoints.NONE, hold);
    }

    private Assignment assignOneGpu() {
        Assignment active = assign.assign(Caller.operator(), new AssignRequest.Form("acme", NODE, null,
                new AssignRequest.SelectorForm(0x10deL, 0x2330L, null, 1L), false), null).assignment();
        assertThat(active.state()).isEqualTo(AssignmentState.ACTIVE);
        return active;
    }

    @Test
    void aRestartOfTheAgentIsSeenByItsNewBootIdAndWhatItAnsweredBeforeIsStillThere() throws InterruptedException {
        Preparation prepared = agent.prepare(NODE, new NodeAgents.PrepareCall("a-1", "acme", List.of("0000:18:00.0"), false, 1));
        String before = bootIds.bootId(NODE).orElseThrow();
        agent.listPrepared(NODE);
        assertThat(meters.counter("vfleet.assignment.agent.restarts").count()).isZero();

        running.close();
        running = InProcessAgent.start(InProcessAgent.shipped("gpu-server-8x"), state);

        assertThat(agent.listPrepared(NODE)).singleElement().satisfies(listed -> assertThat(listed.preparation()).isEqualTo(prepared));
        assertThat(bootIds.bootId(NODE)).get().isNotEqualTo(before);
        assertThat(meters.counter("vfleet.assignment.agent.restarts").count()).isEqualTo(1);
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
