package io.vfleet.assignment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.NettyServerBuilder;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PreparedAssignment;
import io.vfleet.assignment.application.Failpoints;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.support.FakeInventory;
import io.vfleet.assignment.support.InProcessAgent;
import io.vfleet.assignment.support.ServiceRun;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The service crashed in the window each test names, and started again: the crash is aimed by a
 * failpoint (or by a hold on the agent's side of the call) that the test waits for before it stops
 * the run, and the repair is expected within seconds of the restart, with periodic reconciliation
 * off and the settling time of live runs' steps longer than the test, so that only a restart that
 * reconciles each node as soon as it knows it, and that knows its predecessor is gone, passes.
 *
 * <p>Each run is the whole service in this JVM on a database of the test's own, with a real agent
 * on a loopback port; stopping a run ends its parked requests where they stand and closes its
 * connections, as a crash does.
 */
class CrashRecoveryTest {

    private static final String NODE = "gpu-server-01";
    private static final String GPU = "0000:18:00.0";
    private static final Duration REPAIRED_WITHIN = Duration.ofSeconds(15);
    private static final Duration PARKED_WITHIN = Duration.ofSeconds(30);
    private static int databases;

    @TempDir
    Path state;

    private final List<AutoCloseable> running = new ArrayList<>();
    private InProcessAgent agent;
    private String database;

    @AfterEach
    void stopEverything() throws Exception {
        for (AutoCloseable started : running.reversed()) {
            started.close();
        }
    }

    private static synchronized String freshDatabase() {
        return "crash_recovery_" + ++databases;
    }

    private void startAgent(ServerInterceptor... holds) {
        agent = InProcessAgent.serveOnLoopback(InProcessAgent.shipped("gpu-server-8x"), state.resolve("agent"), holds);
        running.add(agent);
        database = freshDatabase();
    }

    /** The settings of every run: no periodic reconciliation, and live runs' steps left alone longer than any test. */
    private Map<String, String> settings(Map<String, String> more) {
        Map<String, String> settings = new HashMap<>();
        settings.put("vfleet.reconcile.interval", "0s");
        settings.put("vfleet.reconcile.settling", "1h");
        settings.putAll(more);
        return settings;
    }

    private Map<String, String> staticAgent() {
        return Map.of("vfleet.agents.endpoints." + NODE, agent.endpoint());
    }

    private ServiceRun run(Map<String, String> settings) {
        ServiceRun run = ServiceRun.start(database, settings(settings));
        running.add(run);
        return run;
    }

    private static Map<String, String> with(Map<String, String> first, Map<String, String> second) {
        Map<String, String> both = new HashMap<>(first);
        both.putAll(second);
        return both;
    }

    private static Map<String, String> failpoint(Failpoints.Point point) {
        return Map.of("vfleet.failpoints." + point.pointName(), "pause");
    }

    /** An assign request on its own thread, whose answer is lost with the run that parks it. */
    private static void assignInTheBackground(ServiceRun run) {
        Thread.ofVirtual().start(() -> {
            try {
                run.post("/api/v1/assignments", ServiceRun.OPERATOR_TOKEN,
                        "{\"tenant\":\"acme\",\"node\":\"" + NODE + "\",\"devices\":[\"" + GPU + "\"]}");
            } catch (RuntimeException lostWithTheRun) {
                // What the run did is read back from the next one.
            }
        });
    }

    private static JsonNode onlyAssignment(ServiceRun run) {
        ServiceRun.Answer page = run.get("/api/v1/assignments?tenant=acme", ServiceRun.OPERATOR_TOKEN);
        assertThat(page.status()).isEqualTo(200);
        assertThat(page.body().get("items")).hasSize(1);
        return page.body().get("items").get(0);
    }

    private List<String> preparedOnTheAgent() {
        return NodeAgentGrpc.newBlockingStub(agent.channel()).listPrepared(ListPreparedRequest.getDefaultInstance())
                .getAssignmentsList().stream().map(PreparedAssignment::getAssignmentId).toList();
    }

    private static List<String> ownersNow(ServiceRun run) {
        ServiceRun.Answer owners = run.get("/api/v1/audit/owner?device=" + GPU + "&node=" + NODE, ServiceRun.AUDITOR_TOKEN);
        assertThat(owners.status()).isEqualTo(200);
        return owners.body().get("owners").valueStream().map(owner -> owner.get("tenant").asString()).toList();
    }

    private static void assertAuditChainIntact(ServiceRun run) {
        ServiceRun.Answer verification = run.get("/api/v1/audit/verify", ServiceRun.AUDITOR_TOKEN);
        assertThat(verification.status()).isEqualTo(200);
        assertThat(verification.body().get("intact").asBoolean()).as(verification.body().toString()).isTrue();
    }

    @Test
    void aRunKilledWithPreparingStoredIsRepairedByTheNextAsSoonAsItStartsAndNothingIsLeftOnTheAgent() throws Exception {
        startAgent();
        ServiceRun crashed = run(with(staticAgent(), failpoint(Failpoints.Point.ASSIGN_PREPARING_STORED)));
        crashed.bean(Topologies.class).replace(agent.topology(), 1);

        assignInTheBackground(crashed);
        assertThat(crashed.bean(Failpoints.class).awaitParked(Failpoints.Point.ASSIGN_PREPARING_STORED, PARKED_WITHIN))
                .as("the request parked with PREPARING stored").isTrue();
        String id = onlyAssignment(crashed).get("id").asString();
        assertThat(onlyAssignment(crashed).get("state").asString()).isEqualTo("PREPARING");
        assertThat(preparedOnTheAgent()).as("the agent was not called").isEmpty();
        Instant inTheWindow = Instant.now();
        crashed.close();

        ServiceRun restarted = run(staticAgent());

        await().atMost(REPAIRED_WITHIN).untilAsserted(() ->
                assertThat(onlyAssignment(restarted).get("state").asString()).isEqualTo("FAILED"));
        assertThat(onlyAssignment(restarted).get("id").asString()).isEqualTo(id);
        assertThat(preparedOnTheAgent()).isEmpty();
        assertThat(ownersNow(restarted)).isEmpty();
        ServiceRun.Answer thenOwned = restarted.get("/api/v1/audit/owner?device=" + GPU + "&node=" + NODE + "&at="
                + inTheWindow, ServiceRun.AUDITOR_TOKEN);
        assertThat(thenOwned.body().get("owners").valueStream().map(owner -> owner.get("assignmentId").asString()))
                .as("the audit log has the device the tenant's while the prepare was in flight").containsExactly(id);
        assertAuditChainIntact(restarted);
        // Nothing leaked: the device goes to the next request.
        ServiceRun.Answer next = restarted.post("/api/v1/assignments", ServiceRun.OPERATOR_TOKEN,
                "{\"tenant\":\"acme\",\"node\":\"" + NODE + "\",\"devices\":[\"" + GPU + "\"]}");
        assertThat(next.status()).as(String.valueOf(next.body())).isEqualTo(201);
    }

    @Test
    void aRunKilledAfterTheAgentPreparedIsActivatedByTheNextOnTheInventorysFirstList() throws Exception {
        startAgent();
        FakeInventory inventory = new FakeInventory();
        inventory.register(agent.topology(), agent.endpoint());
        Server inventoryServer = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(inventory).build().start();
        running.add(() -> inventoryServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        Map<String, String> followTheInventory = Map.of(
                "vfleet.inventory.target", "127.0.0.1:" + inventoryServer.getPort(),
                "vfleet.inventory.token", "feed-token",
                // Only the inventory's first list can make the node due: no reconciliation on start.
                "vfleet.reconcile.on-start", "false");
        ServiceRun crashed = run(with(followTheInventory, failpoint(Failpoints.Point.ASSIGN_AGENT_PREPARED)));
        await().atMost(PARKED_WITHIN).until(() -> crashed.bean(Topologies.class).find(NODE).isPresent());

        assignInTheBackground(crashed);
        assertThat(crashed.bean(Failpoints.class).awaitParked(Failpoints.Point.ASSIGN_AGENT_PREPARED, PARKED_WITHIN))
                .as("the request parked with the agent's answer in hand").isTrue();
        String id = onlyAssignment(crashed).get("id").asString();
        assertThat(onlyAssignment(crashed).get("state").asString()).isEqualTo("PREPARING");
        assertThat(preparedOnTheAgent()).containsExactly(id);
        crashed.close();

        ServiceRun restarted = run(followTheInventory);

        await().atMost(REPAIRED_WITHIN).untilAsserted(() ->
                assertThat(onlyAssignment(restarted).get("state").asString()).isEqualTo("ACTIVE"));
        JsonNode active = onlyAssignment(restarted);
        assertThat(active.get("ioasId").isNumber()).isTrue();
        assertThat(active.get("devices").get(0).get("devid").isNumber()).isTrue();
        assertThat(preparedOnTheAgent()).containsExactly(id);
        assertThat(ownersNow(restarted)).containsExactly("acme");
        assertAuditChainIntact(restarted);
    }

    @Test
    void aPrepareTheAgentStillHeldWhenTheRunDiedIsRefusedAsStaleOnceTheNextRunRepairedIt() throws Exception {
        PrepareHold hold = new PrepareHold();
        startAgent(hold);
        ServiceRun crashed = run(staticAgent());
        crashed.bean(Topologies.class).replace(agent.topology(), 1);

        assignInTheBackground(crashed);
        assertThat(hold.held.await(PARKED_WITHIN.toSeconds(), TimeUnit.SECONDS))
                .as("the agent holds the Prepare before running it").isTrue();
        String id = onlyAssignment(crashed).get("id").asString();
        crashed.close();

        ServiceRun restarted = run(staticAgent());
        await().atMost(REPAIRED_WITHIN).untilAsserted(() ->
                assertThat(onlyAssignment(restarted).get("state").asString()).isEqualTo("FAILED"));

        hold.release.countDown();
        assertThat(hold.ran.await(PARKED_WITHIN.toSeconds(), TimeUnit.SECONDS)).as("the held Prepare ran").isTrue();
        assertThat(preparedOnTheAgent()).as("the dead run's Prepare, older than the repair's fence").doesNotContain(id).isEmpty();
        assertThat(onlyAssignment(restarted).get("state").asString()).isEqualTo("FAILED");
        assertThat(ownersNow(restarted)).isEmpty();
        assertAuditChainIntact(restarted);
    }

    /** Holds the agent's Prepare calls after they arrived and before the agent runs them, until released. */
    private static final class PrepareHold implements ServerInterceptor {
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch ran = new CountDownLatch(1);

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                ServerCallHandler<Q, R> next) {
            if (!call.getMethodDescriptor().getFullMethodName().equals(NodeAgentGrpc.getPrepareMethod().getFullMethodName())) {
                return next.startCall(call, headers);
            }
            ServerCall<Q, R> answered = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                @Override
                public void close(io.grpc.Status status, Metadata trailers) {
                    ran.countDown();
                    super.close(status, trailers);
                }
            };
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(answered, headers)) {
                @Override
                public void onHalfClose() {
                    held.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                    }
                    super.onHalfClose();
                }
            };
        }
    }
}
