package io.vfleet.assignment.support;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.grpc.DurableReplies;
import io.vfleet.agent.grpc.NodeAgentService;
import io.vfleet.agent.state.AgentHost;
import io.vfleet.agent.state.StateJournal;
import io.vfleet.agent.vmm.Checkpoints;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.assignment.domain.NodeTopology;
import io.vfleet.assignment.domain.TopologyDevice;
import io.vfleet.engine.Host;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A real agent in this JVM: an engine host behind the agent's own NodeAgent service, on an in-process
 * gRPC server or on a loopback port, with its state in a directory of the caller's and its replies
 * held until they are durable, as the agent application does.
 */
public final class InProcessAgent implements AutoCloseable {

    private final StateJournal journal;
    private final AgentHost host;
    private final Server server;
    private final ManagedChannel channel;
    private final String endpoint;

    private InProcessAgent(Node node, Server server, ManagedChannel channel, String endpoint) {
        this.journal = node.journal();
        this.host = node.host();
        this.server = server;
        this.channel = channel;
        this.endpoint = endpoint;
    }

    /** Boots {@code topology} with its state under {@code state}, served on an in-process server. */
    public static InProcessAgent start(HostTopology topology, Path state) {
        return start(topology, state, Checkpoints.NONE);
    }

    /** The same, with the agent's node operations reporting their {@link Checkpoints} as they pass them. */
    public static InProcessAgent start(HostTopology topology, Path state, Checkpoints checkpoints) {
        return start(topology, state, checkpoints, new ServerInterceptor[0]);
    }

    /** The same, with {@code interceptors} between the wire and the agent's NodeAgent service. */
    public static InProcessAgent start(HostTopology topology, Path state, Checkpoints checkpoints,
            ServerInterceptor... interceptors) {
        Node node = Node.open(topology, state, checkpoints);
        String name = InProcessServerBuilder.generateName();
        Server server = started(InProcessServerBuilder.forName(name)
                .addService(ServerInterceptors.intercept(node.service(), interceptors)).build());
        return new InProcessAgent(node, server, InProcessChannelBuilder.forName(name).build(), null);
    }

    /**
     * The same, served over TCP on an ephemeral loopback port, as the service reaches agents in
     * production; {@code interceptors} see every call first (a test's hold on a call, for one).
     */
    public static InProcessAgent serveOnLoopback(HostTopology topology, Path state, ServerInterceptor... interceptors) {
        Node node = Node.open(topology, state, Checkpoints.NONE);
        Server server = started(NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .addService(ServerInterceptors.intercept(node.service(), interceptors)).build());
        String endpoint = "127.0.0.1:" + server.getPort();
        return new InProcessAgent(node, server, ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build(), endpoint);
    }

    /** The agent's state opened as the agent application opens it: journal, host, preparations reconciled, a base. */
    private record Node(StateJournal journal, AgentHost host, Preparations preparations) {
        static Node open(HostTopology topology, Path state, Checkpoints checkpoints) {
            StateJournal journal = StateJournal.open(state.resolve("agent"), 50_000);
            AgentHost host = AgentHost.start(topology, journal);
            Preparations preparations = new Preparations(host, journal, checkpoints);
            preparations.reconcile();
            journal.compactNow();
            return new Node(journal, host, preparations);
        }

        /** NodeAgent with every reply held until durable and stamped with a boot id. */
        ServerServiceDefinition service() {
            return ServerInterceptors.intercept(new NodeAgentService(host, preparations, new SimpleMeterRegistry()),
                    new DurableReplies(journal, UUID.randomUUID().toString(), new SimpleMeterRegistry()));
        }
    }

    private static Server started(Server server) {
        try {
            return server.start();
        } catch (IOException failed) {
            throw new UncheckedIOException(failed);
        }
    }

    public static HostTopology shipped(String name) {
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            Path candidate = directory.resolve("deploy/topologies/" + name + ".yaml");
            if (Files.isRegularFile(candidate)) {
                try {
                    return TopologyLoader.load(candidate);
                } catch (IOException failed) {
                    throw new UncheckedIOException(failed);
                }
            }
        }
        throw new IllegalStateException("no shipped topology " + name);
    }

    public ManagedChannel channel() {
        return channel;
    }

    /** A consistent read of the agent's kernel, as the engine holds it. */
    public <T> T inspect(Function<Host, T> read) {
        return host.inspect(read);
    }

    /** {@code host:port} of a loopback agent. */
    public String endpoint() {
        if (endpoint == null) {
            throw new IllegalStateException("an in-process agent has no endpoint; serve it on loopback");
        }
        return endpoint;
    }

    /** What the inventory would make of the agent's GetTopology: vfio-pci functions are assignable. */
    public NodeTopology topology() {
        GetTopologyResponse response = NodeAgentGrpc.newBlockingStub(channel).getTopology(GetTopologyRequest.getDefaultInstance());
        return topologyOf(response, response.getHostname());
    }

    /** The same, under another node name: several simulated hosts of one shipped topology share its host name. */
    public NodeTopology topology(String node) {
        return topologyOf(NodeAgentGrpc.newBlockingStub(channel).getTopology(GetTopologyRequest.getDefaultInstance()), node);
    }

    /** As the inventory reports it: a noiommu device has no IOMMU group, and stands for a group of its own. */
    private static NodeTopology topologyOf(GetTopologyResponse response, String node) {
        Map<String, String> cdevs = response.getVfioDevicesList().stream()
                .collect(Collectors.toMap(device -> device.getName(), device -> device.getCdevPath()));
        Set<String> noiommu = response.getVfioDevicesList().stream().filter(device -> device.getKind().equals("NOIOMMU"))
                .map(device -> device.getName()).collect(Collectors.toSet());
        List<TopologyDevice> devices = response.getFunctionsList().stream()
                .filter(function -> function.hasIommuGroup() || noiommu.contains(function.getBdf()))
                .map(function -> new TopologyDevice(function.getBdf(),
                        new TopologyDevice.PciId(function.getVendorId(), function.getDeviceId(), function.getClassCode()),
                        function.hasIommuGroup() ? function.getIommuGroup() : -1 - (function.getBdf().hashCode() & 0x7fffffff),
                        function.getResetDomain(),
                        noiommu.contains(function.getBdf()) ? TopologyDevice.Kind.NOIOMMU : TopologyDevice.Kind.PHYSICAL,
                        function.getDriver().equals("vfio-pci"), cdevs.getOrDefault(function.getBdf(), "")))
                .toList();
        return new NodeTopology(node, response.getKernel().getUnsafeNoiommuMode(), true, devices);
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow();
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        journal.close();
    }
}
