package io.vfleet.assignment.adapter.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.grpc.NodeAgentService;
import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.agent.vmm.AssignmentTable;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.assignment.application.AssignDevices;
import io.vfleet.assignment.application.AssignRequest;
import io.vfleet.assignment.application.Caller;
import io.vfleet.assignment.application.ReconcileNode;
import io.vfleet.assignment.application.ReleaseAssignment;
import io.vfleet.assignment.application.ResetAssignment;
import io.vfleet.assignment.application.port.Assignments;
import io.vfleet.assignment.application.port.AuditLog;
import io.vfleet.assignment.application.port.FencingEpochs;
import io.vfleet.assignment.application.port.IdempotencyKeys;
import io.vfleet.assignment.application.port.NodeAgents;
import io.vfleet.assignment.application.port.Tenants;
import io.vfleet.assignment.domain.Assignment;
import io.vfleet.assignment.domain.AssignmentState;
import io.vfleet.assignment.domain.DeviceSelector;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.Preparation;
import io.vfleet.assignment.domain.TopologyDevice;
import io.vfleet.assignment.support.ServiceTest;
import io.vfleet.assignment.support.ServiceTestBase;
import io.vfleet.engine.topology.TopologyLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
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

    private Server server;
    private ManagedChannel channel;
    private GrpcNodeAgents agent;
    private AssignDevices assign;
    private ReleaseAssignment release;
    private ResetAssignment reset;
    private ReconcileNode reconcile;

    @BeforeEach
    void startTheAgent() throws IOException {
        AgentHost host = AgentHost.start(TopologyLoader.load(shipped("gpu-server-8x")),
                Files.createDirectories(state.resolve("host")), Duration.ZERO);
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
                .addService(new NodeAgentService(host, new Preparations(host,
                        new AssignmentTable(Files.createDirectories(state.resolve("assignments")))), new SimpleMeterRegistry()))
                .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        agent = new GrpcNodeAgents(node -> {
            if (!node.equals(NODE)) {
                throw new GrpcNodeAgents.UnknownNode(node);
            }
            return channel;
        }, Duration.ofSeconds(10));
        topologies.replace(topologyOf(NodeAgentGrpc.newBlockingStub(channel).getTopology(GetTopologyRequest.getDefaultInstance())), 3);
        ReleaseAssignment.Ports ports = new ReleaseAssignment.Ports(assignments, topologies, epochs, agent, audit);
        release = new ReleaseAssignment(transactions, ports);
        assign = new AssignDevices(transactions, new AssignDevices.Ports(assignments, tenants, topologies, idempotencyKeys,
                epochs, agent, audit), release);
        reset = new ResetAssignment(transactions, ports);
        reconcile = new ReconcileNode(transactions, ports, release);
    }

    @AfterEach
    void stopTheAgent() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination();
    }

    /** What the inventory would make of the agent's GetTopology: vfio-pci functions are assignable. */
    static NodeTopology topologyOf(GetTopologyResponse response) {
        Map<String, String> cdevs = response.getVfioDevicesList().stream()
                .collect(Collectors.toMap(device -> device.getName(), device -> device.getCdevPath()));
        Set<String> noiommu = response.getVfioDevicesList().stream().filter(device -> device.getKind().equals("NOIOMMU"))
                .map(device -> device.getName()).collect(Collectors.toSet());
        List<TopologyDevice> devices = response.getFunctionsList().stream()
                .filter(function -> function.hasIommuGroup())
                .map(function -> new TopologyDevice(function.getBdf(),
                        new TopologyDevice.PciId(function.getVendorId(), function.getDeviceId(), function.getClassCode()),
                        function.getIommuGroup(), function.getResetDomain(),
                        noiommu.contains(function.getBdf()) ? TopologyDevice.Kind.NOIOMMU : TopologyDevice.Kind.PHYSICAL,
                        function.getDriver().equals("vfio-pci"), cdevs.getOrDefault(function.getBdf(), "")))
                .toList();
        return new NodeTopology(response.getHostname(), response.getKernel().getUnsafeNoiommuMode(), true, devices);
    }

    private static Path shipped(String name) {
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            Path candidate = directory.resolve("deploy/topologies/" + name + ".yaml");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no shipped topology " + name);
    }

    @Test
    void assignResetReleaseGoThroughTheRealAgentAndLeaveItEmpty() {
        Assignment active = assign.assign(Caller.operator(), new AssignRequest("acme", null, List.of(),
                new DeviceSelector(0x10de, 0x2330, null, 2), true), null);

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

        assertThatThrownBy(() -> agent.release(NODE, new NodeAgents.ReleaseCall("a-1", true, 4)))
                .isInstanceOfSatisfying(NodeAgents.AgentRefused.class,
                        refused -> assertThat(refused.reason()).isEqualTo("STALE_EPOCH"));
        assertThatThrownBy(() -> agent.prepare(NODE,
                        new NodeAgents.PrepareCall("a-2", "globex", List.of("0000:18:00.0"), false, 6)))
                .isInstanceOfSatisfying(NodeAgents.AgentRefused.class,
                        refused -> assertThat(refused.reason()).isNotBlank());
    }

    @Test
    void aNodeWithoutAnEndpointIsUnreachable() {
        assertThatThrownBy(() -> agent.listPrepared("elsewhere")).isInstanceOf(NodeAgents.AgentUnreachable.class);
    }
}
