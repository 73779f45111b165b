package io.vfleet.assignment.adapter.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.vfleet.api.inventory.v1.Agent;
import io.vfleet.api.inventory.v1.Device;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.api.inventory.v1.KernelConfig;
import io.vfleet.api.inventory.v1.Node;
import io.vfleet.api.inventory.v1.NodeDevice;
import io.vfleet.api.inventory.v1.NodeState;
import io.vfleet.assignment.application.ReconcileFleet;
import io.vfleet.assignment.application.ReconcileNode;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import io.vfleet.assignment.support.FakeInventory;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.retry.Backoff;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The feed against an inventory fake on an in-process server, writing the real topology tables: the
 * list, the changes after it, liveness, the agent endpoint, resuming after a disconnect, re-listing
 * when the inventory no longer keeps the changes, and reconciliation of a node whose agent came back.
 */
@ServiceTest
class InventoryFeedTest extends ServiceTestBase {

    private static final String GPU = "0000:18:00.0";
    private static final String NVME = "0000:1c:00.0";

    @Autowired
    ReconcileNode reconcile;

    private final FakeInventory inventory = new FakeInventory();
    private final ExecutorService reconciliation = Executors.newSingleThreadExecutor();
    private Server server;
    private ManagedChannel channel;
    private InventoryFeed feed;

    @BeforeEach
    void startTheFeed() throws IOException {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(inventory).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        inventory.register(node("gpu-a", NodeState.READY, "10.0.0.1:9090"), List.of(
                device("gpu-a", GPU, "vfio-pci", 26, "slot:0000:17:00.0"),
                device("gpu-a", NVME, "nvme", 31, "")));
        feed = new InventoryFeed(InventoryConfiguration.authenticated(InventoryGrpc.newBlockingStub(channel), "token"),
                topologies, new ReconcileFleet(topologies, reconcile, reconciliation),
                new Backoff(Duration.ofMillis(10), Duration.ofMillis(100)));
        feed.start();
    }

    @AfterEach
    void stopTheFeed() throws InterruptedException {
        feed.stop();
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        reconciliation.shutdownNow();
        assertThat(reconciliation.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    private static Node node(String name, NodeState state, String endpoint) {
        return Node.newBuilder().setName(name).setState(state)
                .setAgent(Agent.newBuilder().setEndpoint(endpoint).setVersion("1"))
                .setKernel(KernelConfig.newBuilder().setProfile("v11").setVfioDeviceCdev(true)).build();
    }

    private static NodeDevice device(String node, String bdf, String driver, int group, String resetSet) {
        return NodeDevice.newBuilder().setNodeName(node).setIommuGroup(group).setResetSet(resetSet)
                .setDevice(Device.newBuilder().setBdf(bdf).setVendorId(0x10de).setDeviceId(0x2330).setClassCode(0x030200)
                        .setDriver(driver).setVfioDeviceName(driver.equals("vfio-pci") ? "vfio" + group : ""))
                .build();
    }

    private NodeTopology copy(String node) {
        return topologies.find(node).orElseThrow(() -> new AssertionError("no " + node + " in the copy yet"));
    }

    private void awaitSynced() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(topologies.find("gpu-a")).isPresent());
    }

    @Test
    void theListBecomesTheTopologyCopyAndNodesItNoLongerListsGo() {
        awaitSynced();

        NodeTopology copy = copy("gpu-a");
        assertThat(copy.live()).isTrue();
        assertThat(copy.devices()).extracting(TopologyDevice::bdf, TopologyDevice::assignable, TopologyDevice::iommuGroup)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(GPU, true, 26),
                        org.assertj.core.groups.Tuple.tuple(NVME, false, 31));
        assertThat(copy.device(GPU).orElseThrow().vfioName()).isEqualTo("/dev/vfio/devices/vfio26");
        assertThat(copy.device(NVME).orElseThrow().resetSet()).isEqualTo("alone:" + NVME);
        assertThat(topologies.agentEndpoint("gpu-a")).contains("10.0.0.1:9090");
        assertThat(topologies.all()).extracting(NodeTopology::node).containsExactly("gpu-a");
    }

    @Test
    void livenessFollowsTheInventory() {
        awaitSynced();

        inventory.state("gpu-a", NodeState.UNREACHABLE);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(copy("gpu-a").live()).isFalse());

        inventory.state("gpu-a", NodeState.READY);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(copy("gpu-a").live()).isTrue());
    }

    @Test
    void anAgentBackFromUnreachableIsReconciled() {
        awaitSynced();
        agents.plant("gpu-a", new NodeAgents.PrepareCall("orphan", "acme", List.of(GPU), false, 1));

        inventory.state("gpu-a", NodeState.UNREACHABLE);
        inventory.state("gpu-a", NodeState.READY);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(agents.preparedIds("gpu-a")).isEmpty());
    }

    @Test
    void aNewNodeAndAMovedAgentAreTakenFromTheChanges() {
        awaitSynced();

        inventory.register(node("gpu-b", NodeState.READY, "10.0.0.2:9090"), List.of(device("gpu-b", GPU, "vfio-pci", 26, "")));
        inventory.register(node("gpu-a", NodeState.READY, "10.0.0.9:9090"), List.of());

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(topologies.find("gpu-b")).isPresent();
            assertThat(topologies.agentEndpoint("gpu-a")).contains("10.0.0.9:9090");
        });
        assertThat(copy("gpu-b").devices()).extracting(TopologyDevice::bdf).containsExactly(GPU);
    }

    @Test
    void aDisconnectResumesAfterTheLastRevisionSeen() {
        awaitSynced();
        long synced = inventory.revision();

        inventory.disconnect();
        inventory.state("gpu-a", NodeState.UNREACHABLE);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(copy("gpu-a").live()).isFalse());
        assertThat(inventory.requests()).containsExactly(null, synced);
    }

    @Test
    void aResumeTheInventoryCannotServeListsAgain() {
        awaitSynced();
        long synced = inventory.revision();

        inventory.disconnect();
        inventory.state("gpu-a", NodeState.UNREACHABLE);
        inventory.forgetChangesUpTo(inventory.revision());

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(copy("gpu-a").live()).isFalse());
        assertThat(inventory.requests()).containsExactly(null, synced, null);
    }

    @Test
    void noiommuDevicesWithoutAGroupGetOneOfTheirOwn() {
        awaitSynced();
        NodeDevice first = device("gpu-a", "0000:05:00.0", "vfio-pci", 0, "").toBuilder().clearIommuGroup()
                .setDevice(Device.newBuilder().setBdf("0000:05:00.0").setDriver("vfio-pci").setNoiommu(true)).build();
        NodeDevice second = first.toBuilder().setDevice(first.getDevice().toBuilder().setBdf("0000:05:00.1")).build();

        inventory.register(node("gpu-a", NodeState.READY, "10.0.0.1:9090"), List.of(first, second));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(copy("gpu-a").devices()).hasSize(4));
        int[] groups = copy("gpu-a").devices().stream().filter(device -> device.kind() == TopologyDevice.Kind.NOIOMMU)
                .mapToInt(TopologyDevice::iommuGroup).toArray();
        assertThat(groups).hasSize(2).doesNotHaveDuplicates();
        assertThat(Arrays.stream(groups)).allMatch(group -> group < 0);
    }
}
