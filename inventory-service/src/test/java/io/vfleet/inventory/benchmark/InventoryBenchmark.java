package io.vfleet.inventory.benchmark;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.inventory.v1.Agent;
import io.vfleet.api.inventory.v1.Device;
import io.vfleet.api.inventory.v1.HeartbeatRequest;
import io.vfleet.api.inventory.v1.InventoryGrpc;
import io.vfleet.api.inventory.v1.IommuGroup;
import io.vfleet.api.inventory.v1.IovaWindow;
import io.vfleet.api.inventory.v1.KernelConfig;
import io.vfleet.api.inventory.v1.ListAndWatchRequest;
import io.vfleet.api.inventory.v1.ListAndWatchResponse;
import io.vfleet.api.inventory.v1.RegisterRequest;
import io.vfleet.api.inventory.v1.ReservedRegion;
import io.vfleet.api.inventory.v1.ResetSet;
import io.vfleet.inventory.InventoryApplication;
import io.vfleet.testsupport.database.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The inventory under a fleet's load, on demand ({@code -Pbenchmarks}), never in the test suite: simulated
 * agents register concurrently over gRPC on loopback, then heartbeat, then an orchestrator lists the whole
 * inventory. Targets from the issue: a complete inventory of 1,000 nodes × 16 devices in 10 s or less, and
 * the full list in 1 s or less; heartbeats must keep up with 1,000 nodes every 5 s (200 a second).
 *
 * <p>Arguments: nodes (1000), devices per node (16), heartbeat rounds (5).
 */
public final class InventoryBenchmark {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private InventoryBenchmark() {
    }

    public static void main(String[] arguments) throws Exception {
        int nodes = arguments.length > 0 ? Integer.parseInt(arguments[0]) : 1000;
        int devicesPerNode = arguments.length > 1 ? Integer.parseInt(arguments[1]) : 16;
        int heartbeatRounds = arguments.length > 2 ? Integer.parseInt(arguments[2]) : 5;
        try (ConfigurableApplicationContext service = start(nodes + Math.min(50, nodes / 10))) {
            int port = Integer.parseInt(service.getEnvironment().getProperty("local.grpc.server.port"));
            ManagedChannel channel = ManagedChannelBuilder.forAddress("localhost", port).usePlaintext().build();
            try (ExecutorService agents = Executors.newVirtualThreadPerTaskExecutor()) {
                warmUp(channel, agents);
                // The baseline: one registration at a time, no contention; the last nodes' tokens are used
                // here so the concurrent run below still starts from an empty inventory for its nodes.
                int baselineNodes = Math.min(50, nodes / 10);
                Duration sequential = timed(() -> {
                    for (int node = nodes; node < nodes + baselineNodes; node++) {
                        agentStub(channel, node).register(registration(nodeName(node), devicesPerNode));
                    }
                });
                Duration sequentialHeartbeats = timed(() -> {
                    for (int node = nodes; node < nodes + baselineNodes; node++) {
                        agentStub(channel, node).heartbeat(HeartbeatRequest.newBuilder().setNodeName(nodeName(node)).build());
                    }
                });
                System.out.printf("baseline: %d registrations one at a time, %.1f ms each; heartbeats %.1f ms each%n", baselineNodes,
                        sequential.toNanos() / 1e6 / baselineNodes, sequentialHeartbeats.toNanos() / 1e6 / baselineNodes);
                Duration registration = timed(() -> each(nodes, agents, node ->
                        agentStub(channel, node).register(registration(nodeName(node), devicesPerNode))));
                Duration heartbeats = timed(() -> {
                    for (int round = 0; round < heartbeatRounds; round++) {
                        each(nodes, agents, node -> agentStub(channel, node)
                                .heartbeat(HeartbeatRequest.newBuilder().setNodeName(nodeName(node)).build()));
                    }
                });
                long[] listMillis = new long[5];
                int listedDevices = 0;
                for (int run = 0; run < listMillis.length; run++) {
                    long start = System.nanoTime();
                    listedDevices = listAll(channel);
                    listMillis[run] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                }
                Arrays.sort(listMillis);
                int baselineDevices = Math.min(50, nodes / 10) * devicesPerNode;
                report(new Measured(nodes, devicesPerNode, registration, heartbeats.toNanos() / (double) (nodes * heartbeatRounds)),
                        listedDevices - baselineDevices, listMillis);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        System.exit(0);
    }

    private record Measured(int nodes, int devicesPerNode, Duration registration, double nanosPerHeartbeat) {
    }

    private static void report(Measured measured, int listedDevices, long[] listMillis) {
        double registrationSeconds = measured.registration().toMillis() / 1000.0;
        double heartbeatsPerSecond = 1e9 / measured.nanosPerHeartbeat();
        System.out.printf("nodes=%d devices=%d%n", measured.nodes(), measured.nodes() * measured.devicesPerNode());
        System.out.printf("complete inventory: %.2f s (target <= 10 s: %.2f of it)%n", registrationSeconds, registrationSeconds / 10);
        System.out.printf("heartbeats: %.0f/s (needed 1,000 nodes every 5 s = %d/s: %.1f times that)%n",
                heartbeatsPerSecond, measured.nodes() / 5, heartbeatsPerSecond / (measured.nodes() / 5.0));
        System.out.printf("full list of %d devices: median %d ms, best %d ms, worst %d ms (target <= 1000 ms)%n",
                listedDevices, listMillis[listMillis.length / 2], listMillis[0], listMillis[listMillis.length - 1]);
        if (listedDevices != measured.nodes() * measured.devicesPerNode()) {
            throw new AssertionError("listed " + listedDevices + " devices, expected " + measured.nodes() * measured.devicesPerNode());
        }
    }

    private static ConfigurableApplicationContext start(int nodes) {
        Map<String, Object> properties = new HashMap<>();
        TestDatabase.Connection database = TestDatabase.connection();
        properties.put("spring.datasource.url", database.url());
        properties.put("spring.datasource.username", database.username());
        properties.put("spring.datasource.password", database.password());
        properties.put("spring.datasource.hikari.maximum-pool-size", "16");
        properties.put("server.port", "0");
        properties.put("spring.grpc.server.port", "0");
        properties.put("vfleet.inventory.heartbeat-timeout", "5m");
        properties.put("logging.level.root", "WARN");
        for (int node = 0; node < nodes; node++) {
            properties.put("vfleet.security.tokens[" + node + "].token", token(node));
            properties.put("vfleet.security.tokens[" + node + "].role", "agent");
            properties.put("vfleet.security.tokens[" + node + "].node", nodeName(node));
        }
        properties.put("vfleet.security.tokens[" + nodes + "].token", "benchmark-orchestrator");
        properties.put("vfleet.security.tokens[" + nodes + "].role", "orchestrator");
        // As command line arguments: they outrank application.yaml, which default properties do not.
        return new SpringApplicationBuilder(InventoryApplication.class).run(properties.entrySet().stream()
                .map(property -> "--" + property.getKey() + "=" + property.getValue()).toArray(String[]::new));
    }

    /** A few registrations and lists first, so that the measured runs do not pay for class loading and JIT. */
    private static void warmUp(ManagedChannel channel, ExecutorService agents) throws Exception {
        each(1, agents, node -> agentStub(channel, node).register(registration(nodeName(node), 1)));
        for (int run = 0; run < 3; run++) {
            listAll(channel);
        }
    }

    /** Devices listed until {@code Synced}; the watch is then cancelled, as a watcher that goes away would. */
    private static int listAll(ManagedChannel channel) {
        try (io.grpc.Context.CancellableContext watch = io.grpc.Context.current().withCancellation()) {
            return watch.call(() -> {
                var orchestrator = InventoryGrpc.newBlockingStub(channel)
                        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer("benchmark-orchestrator")));
                Iterator<ListAndWatchResponse> stream = orchestrator.listAndWatch(ListAndWatchRequest.getDefaultInstance());
                int devices = 0;
                ListAndWatchResponse next = stream.next();
                while (next.hasListChunk()) {
                    devices += next.getListChunk().getDevicesCount();
                    next = stream.next();
                }
                return devices;
            });
        } catch (Exception failed) {
            throw new IllegalStateException(failed);
        }
    }

    private interface Call {
        void run(int node);
    }

    private interface Work {
        void run() throws Exception;
    }

    private static Duration timed(Work work) throws Exception {
        long start = System.nanoTime();
        work.run();
        return Duration.ofNanos(System.nanoTime() - start);
    }

    private static void each(int nodes, ExecutorService agents, Call call) throws Exception {
        List<Future<?>> calls = new ArrayList<>();
        for (int node = 0; node < nodes; node++) {
            int index = node;
            calls.add(agents.submit(() -> call.run(index)));
        }
        for (Future<?> done : calls) {
            done.get();
        }
    }

    private static InventoryGrpc.InventoryBlockingStub agentStub(ManagedChannel channel, int node) {
        return InventoryGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token(node))))
                .withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    private static Metadata bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(AUTHORIZATION, "Bearer " + token);
        return headers;
    }

    private static String token(int node) {
        return "benchmark-agent-" + node;
    }

    private static String nodeName(int node) {
        return String.format("bench-%04d", node);
    }

    /** Like a GPU server: devices on their own buses, each its own IOMMU group, pairs sharing a reset set. */
    private static RegisterRequest registration(String node, int devices) {
        RegisterRequest.Builder request = RegisterRequest.newBuilder()
                .setNodeName(node)
                .setAgent(Agent.newBuilder().setEndpoint(node + ":9443").setVersion("0.1.0"))
                .setKernel(KernelConfig.newBuilder().setProfile("linux-6.6").setVfioGroup(true).setVfioDeviceCdev(true));
        for (int index = 0; index < devices; index++) {
            String bdf = String.format("0000:%02x:00.0", 0x10 + index);
            request.addDevices(Device.newBuilder().setBdf(bdf).setVendorId(0x10de).setDeviceId(0x2330).setClassCode(0x030200)
                    .setDriver("vfio-pci").setVfioDeviceName("vfio" + index));
            request.addIommuGroups(IommuGroup.newBuilder().setNumber(10 + index)
                    .setAperture(IovaWindow.newBuilder().setStart(0).setLast((1L << 48) - 1))
                    .addReservedRegions(ReservedRegion.newBuilder()
                            .setRange(IovaWindow.newBuilder().setStart(0xfee00000L).setLast(0xfeefffffL)).setType("msi"))
                    .addMembers(bdf));
            if (index % 2 == 1) {
                request.addResetSets(ResetSet.newBuilder().setKey("bus:switch-" + index / 2)
                        .addMembers(String.format("0000:%02x:00.0", 0x10 + index - 1)).addMembers(bdf));
            }
        }
        return request.build();
    }
}
