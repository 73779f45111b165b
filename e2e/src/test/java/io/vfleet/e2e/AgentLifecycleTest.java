package io.vfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.api.agent.v1.HotResetRequest;
import io.vfleet.api.agent.v1.IommuIoasMap;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.ListPreparedRequest;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.PreparedAssignment;
import io.vfleet.api.agent.v1.PreparedDevice;
import io.vfleet.api.agent.v1.ReleaseRequest;
import io.vfleet.api.agent.v1.ReleaseResponse;
import io.vfleet.stack.Stack;
import io.vfleet.stack.StackSettings;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The agents as the assignment service and a VMM use them, over their public gRPC services: prepare
 * devices, map guest memory into the IOAS through Syscalls, hot reset, release; the kernel's
 * refusals; and an agent killed with SIGKILL in the middle of a Prepare. Each agent registers its
 * node with the inventory, which lists it through REST.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentLifecycleTest {
    private static final String GPU_SERVER = "gpu-server-01";
    private static final String WORKSTATION = "workstation-07";
    private static final String LEGACY = "legacy-03";
    private static final List<String> GPUS = List.of("0000:18:00.0", "0000:19:00.0", "0000:1a:00.0", "0000:1b:00.0",
            "0000:9a:00.0", "0000:9b:00.0", "0000:9c:00.0", "0000:9d:00.0");
    private static final long TWO_MIB = 2L << 20;
    private static final int PROT_READ_WRITE = 3;
    private static final int IOAS_MAP_WRITEABLE_READABLE = 2 | 4;

    private Stack stack;

    @BeforeAll
    void startStack() {
        // These tests are the agents' controller: the service must not release their preparations as orphans,
        // neither when it starts, nor on a timer, nor when an agent registers again.
        stack = StackUnderTest.start(AgentLifecycleTest.class, StackSettings::withoutReconciliation);
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    private AgentClient agent(String node) {
        return AgentClient.of(stack, node);
    }

    private static PrepareRequest prepare(String id, String tenant, List<String> devices, long epoch) {
        return PrepareRequest.newBuilder().setAssignmentId(id).setTenant(tenant).addAllDevices(devices).setEpoch(epoch).build();
    }

    private static ReleaseRequest release(String id, long epoch) {
        return ReleaseRequest.newBuilder().setAssignmentId(id).setReset(true).setEpoch(epoch).build();
    }

    @Test
    void everyAgentReportsTheHostOfItsTopology() throws Exception {
        for (String node : stack.agents().keySet()) {
            try (AgentClient client = agent(node)) {
                GetTopologyResponse topology = client.nodeAgent().getTopology(GetTopologyRequest.getDefaultInstance());

                assertThat(topology.getHostname()).isEqualTo(node);
                assertThat(topology.getVfioDevicesList()).isNotEmpty();
            }
        }
    }

    @Test
    void theAgentsServeOnlyTlsAndNodeAgentOnlyToTheControllersCertificate() throws Exception {
        List<String> nodes = List.copyOf(stack.agents().keySet());
        String node = nodes.get(0);
        ManagedChannel plaintext = NettyChannelBuilder.forTarget(stack.agentTarget(node)).usePlaintext().build();
        try (AgentClient controller = AgentClient.of(stack, node);
                AgentClient otherNode = AgentClient.as(stack, node, "agent-" + nodes.get(1))) {
            assertThat(controller.nodeAgent().getTopology(GetTopologyRequest.getDefaultInstance()).getHostname()).isEqualTo(node);
            assertThat(AgentRefusal.of(catchThrowable(() -> otherNode.nodeAgent().getTopology(GetTopologyRequest.getDefaultInstance())))
                    .code()).isEqualTo(Status.Code.PERMISSION_DENIED);
            assertThat(catchThrowableOfType(StatusRuntimeException.class, () -> NodeAgentGrpc.newBlockingStub(plaintext)
                    .withDeadlineAfter(30, TimeUnit.SECONDS).getTopology(GetTopologyRequest.getDefaultInstance()))
                    .getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        } finally {
            plaintext.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyAgentRefusesCallsWithoutItsCallerTokenAsUnauthenticated() throws Exception {
        for (String node : stack.agents().keySet()) {
            try (AgentClient anonymous = AgentClient.withToken(stack, node, "");
                    AgentClient guessing = AgentClient.withToken(stack, node, "vf-agent-caller-guessed")) {
                AgentRefusal withoutToken = AgentRefusal.of(catchThrowable(() ->
                        anonymous.nodeAgent().getTopology(GetTopologyRequest.getDefaultInstance())));
                AgentRefusal wrongToken = AgentRefusal.of(catchThrowable(() ->
                        guessing.syscalls().mmap(MmapRequest.newBuilder().setPid(1).setLength(TWO_MIB)
                                .setProt(PROT_READ_WRITE).build())));

                assertThat(withoutToken.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(withoutToken.reason()).isEqualTo("UNAUTHENTICATED");
                assertThat(wrongToken.code()).isEqualTo(Status.Code.UNAUTHENTICATED);
                assertThat(wrongToken.reason()).isEqualTo("UNAUTHENTICATED");
            }
        }
    }

    @Test
    void everyAgentRegistersItsNodeWithTheInventoryAndItsEndpoint() {
        Rest inventory = new Rest(stack.inventoryUrl(), stack.tokens().operator());

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            Rest.Response nodes = inventory.get("/api/v1/nodes");
            assertThat(nodes.status()).isEqualTo(200);
            Map<String, String> endpoints = new HashMap<>();
            Map<String, String> states = new HashMap<>();
            nodes.body().get("items").forEach(node -> {
                endpoints.put(node.get("name").asString(), node.get("agentEndpoint").asString());
                states.put(node.get("name").asString(), node.get("state").asString());
            });
            for (String node : stack.agents().keySet()) {
                assertThat(endpoints).containsEntry(node, stack.agentTarget(node));
                assertThat(states).containsEntry(node, "READY");
            }
        });
        assertThat(new Rest(stack.inventoryUrl(), null).get("/api/v1/nodes").status()).isEqualTo(401);
    }

    @Test
    void aPreparedDeviceIsUsedThroughSyscallsHotResetAndReleasedForTheNextTenant() throws Exception {
        try (AgentClient client = agent(GPU_SERVER)) {
            PrepareResponse prepared = client.nodeAgent().prepare(prepare("use-1", "tenant-a", List.of("0000:18:00.0"), 1));
            assertThat(prepared.getDevicesList()).extracting(PreparedDevice::getBdf).containsExactly("0000:18:00.0");

            // The VMM maps guest memory into the tenant's IOAS, as the VM's process.
            long guestMemory = client.syscalls().mmap(MmapRequest.newBuilder().setPid(prepared.getPid())
                    .setLength(TWO_MIB).setProt(PROT_READ_WRITE).build()).getAddr();
            long iova = client.syscalls().ioctl(IoctlRequest.newBuilder().setPid(prepared.getPid()).setFd(prepared.getIommufd())
                    .setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(IOAS_MAP_WRITEABLE_READABLE)
                            .setIoasId(prepared.getIoasId()).setUserVa(guestMemory).setLength(TWO_MIB))
                    .build()).getIommuIoasMap().getIova();
            assertThat(iova % TWO_MIB).as("an IOVA aligned for the mapping").isZero();

            List<String> affected = client.nodeAgent().hotReset(HotResetRequest.newBuilder().setAssignmentId("use-1")
                    .setDevice("0000:18:00.0").setEpoch(1).build()).getAffectedList();
            assertThat(affected).contains("0000:18:00.0");

            ReleaseResponse released = client.nodeAgent().release(release("use-1", 1));
            assertThat(released.getReleased()).isTrue();
            assertThat(released.getFunctionResetList()).containsExactly("0000:18:00.0");
            assertThat(prepared(client)).extracting(PreparedAssignment::getAssignmentId).doesNotContain("use-1");

            PrepareResponse next = client.nodeAgent().prepare(prepare("use-2", "tenant-b", List.of("0000:18:00.0"), 1));
            assertThat(next.getDevicesList()).hasSize(1);
            assertThat(client.nodeAgent().release(release("use-2", 1)).getReleased()).isTrue();
        }
    }

    @Test
    void aGroupThatIsNotViableAndAResetSetWithAHostDeviceAreRefusedWithTheKernelsErrno() throws Exception {
        try (AgentClient workstation = agent(WORKSTATION)) {
            // The RTX 3090's audio function is still on snd_hda_intel: its IOMMU group is not viable.
            AgentRefusal notViable = AgentRefusal.of(catchThrowable(() ->
                    workstation.nodeAgent().prepare(prepare("group-1", "tenant-a", List.of("0000:02:00.0"), 1))));
            assertThat(notViable.code()).as(notViable.toString()).isNotEqualTo(Status.Code.OK).isNotEqualTo(Status.Code.INTERNAL);
            assertThat(notViable.reason()).as(notViable.toString()).startsWith("E");
            assertThat(prepared(workstation)).extracting(PreparedAssignment::getAssignmentId).doesNotContain("group-1");
        }
        try (AgentClient legacy = agent(LEGACY)) {
            // Bus 02's fourth port stays on tg3: the bus cannot be reset for one owner.
            legacy.nodeAgent().prepare(prepare("reset-1", "tenant-a", List.of("0000:02:00.0", "0000:02:00.1", "0000:02:00.2"), 1));
            AgentRefusal refused = AgentRefusal.of(catchThrowable(() -> legacy.nodeAgent().hotReset(HotResetRequest.newBuilder()
                    .setAssignmentId("reset-1").setDevice("0000:02:00.0").setEpoch(1).build())));
            assertThat(refused.code()).as(refused.toString()).isNotEqualTo(Status.Code.INTERNAL);
            assertThat(refused.reason()).as(refused.toString()).startsWith("E");
            assertThat(legacy.nodeAgent().release(release("reset-1", 1)).getReleased()).isTrue();
        }
    }

    @Test
    void anAgentKilledMidPrepareComesBackWithAllOrNothingAndNoDeviceLostOrHeldTwice() throws Exception {
        for (int round = 0; round < 2; round++) {
            String id = "crash-" + round;
            try (AgentClient client = agent(GPU_SERVER)) {
                ListenableFuture<PrepareResponse> inFlight = client.nodeAgentAsync().prepare(prepare(id, "tenant-c", GPUS, 1));
                // Round 0 kills as the call leaves, round 1 a little into it.
                Thread.sleep(round * 15L);
                stack.agent(GPU_SERVER).kill();
                // Answered or cut off by the kill, the call ends: only what the agent kept matters.
                assertThat(catchThrowable(() -> inFlight.get(30, TimeUnit.SECONDS))).isNotInstanceOf(TimeoutException.class);
            }
            stack.agent(GPU_SERVER).start();

            try (AgentClient client = agent(GPU_SERVER)) {
                List<PreparedAssignment> after = prepared(client);
                assertThat(after).as("round %d: all or nothing", round)
                        .allSatisfy(assignment -> {
                            assertThat(assignment.getAssignmentId()).isEqualTo(id);
                            assertThat(assignment.getPrepared().getDevicesList()).extracting(PreparedDevice::getBdf)
                                    .containsExactlyInAnyOrderElementsOf(GPUS);
                        });

                // The controller repeats the call it got no answer for; the agent converges on one preparation.
                PrepareResponse prepared = client.nodeAgent().prepare(prepare(id, "tenant-c", GPUS, 1));
                assertThat(prepared.getDevicesList()).extracting(PreparedDevice::getBdf).containsExactlyInAnyOrderElementsOf(GPUS);
                assertThat(prepared(client)).extracting(PreparedAssignment::getAssignmentId).containsExactly(id);

                assertThat(client.nodeAgent().release(release(id, 1)).getReleased()).isTrue();
                assertThat(prepared(client)).isEmpty();

                // Nothing leaked: every GPU can go to another tenant.
                PrepareResponse next = client.nodeAgent().prepare(prepare(id + "-next", "tenant-d", GPUS, 1));
                assertThat(next.getDevicesList()).hasSize(GPUS.size());
                assertThat(client.nodeAgent().release(release(id + "-next", 1)).getReleased()).isTrue();
            }
        }
    }

    private static List<PreparedAssignment> prepared(AgentClient client) {
        return client.nodeAgent().listPrepared(ListPreparedRequest.getDefaultInstance()).getAssignmentsList();
    }
}
