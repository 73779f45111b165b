package io.vfleet.agent.benchmark;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.vfleet.agent.AgentHosts;
import io.vfleet.agent.kernel.AgentHost;
import io.vfleet.agent.vmm.AssignmentTable;
import io.vfleet.agent.vmm.PrepareOrder;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IommuIoasIovaRanges;
import io.vfleet.api.agent.v1.IommuIoasMap;
import io.vfleet.api.agent.v1.IommuIoasUnmap;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.ReleaseRequest;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.engine.Host;
import io.vfleet.engine.snapshot.HostSnapshot;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The agent's cost over loopback gRPC, run on demand (not a test): the agent runs as a child JVM
 * from this classpath on an ephemeral port, with the 8-GPU topology and all 8 GPUs prepared, and
 * one client channel calls it one call at a time, as a VMM's thread does. Reported:
 * <ul>
 *   <li>{@code Ioctl} round trips per second against the no-op RPC measured in the same run, the
 *   gRPC health {@code Check} (same transport, same channel, no kernel behind it): a pure query
 *   ({@code IOMMU_IOAS_IOVA_RANGES}) and a state change ({@code IOMMU_IOAS_MAP} at a fixed IOVA,
 *   then {@code IOMMU_IOAS_UNMAP}, counted as two round trips), rounds alternating so that both
 *   see the same machine;
 *   <li>{@code Prepare}+{@code Release} cycles per second of one GPU while the other seven stay
 *   prepared;
 *   <li>the agent's resident memory ({@code VmRSS} and its peak {@code VmHWM} from
 *   {@code /proc/<pid>/status}) after that load;
 *   <li>the time to encode and to write the engine snapshot of the same host (in this JVM).
 * </ul>
 * System properties: {@code agent.jvm} (the child's JVM options, space-separated; default
 * {@code -Xmx128m}), {@code agent.snapshotDelay} (empty: the application's default), {@code rounds}
 * (default 10), {@code calls} per round (default 2000). The command is in the README.
 */
public final class AgentBenchmark {
    private static final String TOPOLOGY = "gpu-server-8x";
    private static final List<String> GPUS = List.of("0000:18:00.0", "0000:19:00.0", "0000:1a:00.0", "0000:1b:00.0",
            "0000:9a:00.0", "0000:9b:00.0", "0000:9c:00.0", "0000:9d:00.0");
    private static final long GUEST_RAM = 2L << 20;
    private static final long FIXED_IOVA = 1L << 32;
    private static final int READ_WRITE = 1 | 2;
    private static final int FIXED = 4;

    private static final String CONTROLLER_TOKEN = "benchmark-controller";
    private final ManagedChannel channel;
    private final NodeAgentGrpc.NodeAgentBlockingStub nodeAgent;
    private final HealthGrpc.HealthBlockingStub health;

    private AgentBenchmark(ManagedChannel channel) {
        this.channel = channel;
        this.nodeAgent = NodeAgentGrpc.newBlockingStub(channel).withInterceptors(bearer(CONTROLLER_TOKEN));
        this.health = HealthGrpc.newBlockingStub(channel);
    }

    private static io.grpc.ClientInterceptor bearer(String credential) {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        headers.put(io.grpc.Metadata.Key.of("authorization", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "Bearer " + credential);
        return io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("rounds", 10);
        int calls = Integer.getInteger("calls", 2000);
        String jvm = System.getProperty("agent.jvm", "-Xmx128m");
        Path state = Files.createTempDirectory("agent-benchmark");
        try (ChildAgent agent = ChildAgent.start(state, jvm, System.getProperty("agent.snapshotDelay", ""))) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", agent.port).usePlaintext().build();
            try {
                new AgentBenchmark(channel).run(agent, rounds, calls);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
        snapshotCost(Files.createTempDirectory("agent-benchmark-snapshot"));
    }

    private void run(ChildAgent agent, int rounds, int calls) {
        List<PrepareResponse> prepared = new ArrayList<>();
        for (int index = 0; index < GPUS.size(); index++) {
            prepared.add(nodeAgent.prepare(prepareRequest(index, 1)));
        }
        PrepareResponse vmm = prepared.getFirst();
        // As the VMM calls: with its assignment's credential, scoped to its process.
        SyscallsGrpc.SyscallsBlockingStub syscalls = SyscallsGrpc.newBlockingStub(channel)
                .withInterceptors(bearer(vmm.getSyscallsCredential()));
        long guestRam = syscalls.mmap(MmapRequest.newBuilder().setPid(vmm.getPid()).setLength(GUEST_RAM).setProt(3).build())
                .getAddr();
        IoctlRequest query = IoctlRequest.newBuilder().setPid(vmm.getPid()).setFd(vmm.getIommufd())
                .setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder().setIoasId(vmm.getIoasId()).setNumIovas(8)).build();
        IoctlRequest map = IoctlRequest.newBuilder().setPid(vmm.getPid()).setFd(vmm.getIommufd())
                .setIommuIoasMap(IommuIoasMap.newBuilder().setFlags(READ_WRITE | FIXED).setIoasId(vmm.getIoasId())
                        .setUserVa(guestRam).setLength(GUEST_RAM).setIova(FIXED_IOVA)).build();
        IoctlRequest unmap = IoctlRequest.newBuilder().setPid(vmm.getPid()).setFd(vmm.getIommufd())
                .setIommuIoasUnmap(IommuIoasUnmap.newBuilder().setIoasId(vmm.getIoasId()).setIova(FIXED_IOVA)
                        .setLength(GUEST_RAM)).build();
        HealthCheckRequest noop = HealthCheckRequest.getDefaultInstance();
        if (health.check(noop).getStatus() != HealthCheckResponse.ServingStatus.SERVING) {
            throw new IllegalStateException("the agent is not serving");
        }

        Runnable noopCall = () -> health.check(noop);
        Runnable queryCall = () -> syscalls.ioctl(query);
        Runnable mapUnmapCalls = () -> {
            syscalls.ioctl(map);
            syscalls.ioctl(unmap);
        };
        // Warm-up: the JIT, Netty's buffers and the snapshot writer reach their steady state.
        for (int warmup = 0; warmup < 3; warmup++) {
            perSecond(noopCall, calls, 1);
            perSecond(queryCall, calls, 1);
            perSecond(mapUnmapCalls, calls / 2, 2);
        }
        double[] noopRates = new double[rounds];
        double[] queryRates = new double[rounds];
        double[] mapRates = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            noopRates[round] = perSecond(noopCall, calls, 1);
            queryRates[round] = perSecond(queryCall, calls, 1);
            mapRates[round] = perSecond(mapUnmapCalls, calls / 2, 2);
        }

        int cycleGpu = GPUS.size() - 1;
        nodeAgent.release(ReleaseRequest.newBuilder().setAssignmentId(assignmentId(cycleGpu)).setEpoch(1).build());
        long[] epoch = {2};
        Runnable cycle = () -> {
            nodeAgent.prepare(prepareRequest(cycleGpu, epoch[0]));
            nodeAgent.release(ReleaseRequest.newBuilder().setAssignmentId(assignmentId(cycleGpu)).setReset(true)
                    .setEpoch(epoch[0]).build());
            epoch[0]++;
        };
        perSecond(cycle, 20, 1);
        double[] cycleRates = new double[Math.max(3, rounds / 2)];
        for (int round = 0; round < cycleRates.length; round++) {
            cycleRates[round] = perSecond(cycle, 50, 1);
        }
        nodeAgent.prepare(prepareRequest(cycleGpu, epoch[0]));

        double noopRate = median(noopRates);
        double queryRate = median(queryRates);
        double mapRate = median(mapRates);
        System.out.println();
        System.out.println("Agent over loopback gRPC, " + TOPOLOGY + " with all 8 GPUs prepared, one channel, one call at a time"
                + " (medians of " + rounds + " rounds of " + calls + " calls; agent JVM: " + agent.jvm + ", snapshot delay: "
                + agent.snapshotDelay + ")");
        System.out.printf(Locale.ROOT, "  no-op RPC (grpc.health.v1.Health/Check)  %,10.0f calls/s  %7.1f us  1.00x%n",
                noopRate, 1e6 / noopRate);
        System.out.printf(Locale.ROOT, "  Ioctl IOMMU_IOAS_IOVA_RANGES (query)      %,10.0f calls/s  %7.1f us  %.2fx the no-op%n",
                queryRate, 1e6 / queryRate, noopRate / queryRate);
        System.out.printf(Locale.ROOT, "  Ioctl IOMMU_IOAS_MAP / _UNMAP (changes)   %,10.0f calls/s  %7.1f us  %.2fx the no-op%n",
                mapRate, 1e6 / mapRate, noopRate / mapRate);
        System.out.printf(Locale.ROOT, "  Prepare+Release (1 GPU, KVM, reset)       %,10.1f cycles/s %7.2f ms%n",
                median(cycleRates), 1e3 / median(cycleRates));
        Memory memory = agent.memory();
        System.out.printf(Locale.ROOT, "  agent resident memory                     VmRSS %d MB, peak VmHWM %d MB (target 256 MB)%n",
                memory.rssKilobytes() / 1024, memory.peakKilobytes() / 1024);
    }

    /** The engine snapshot of the same host (8-GPU topology, 8 GPUs prepared), encoded and written in a loop. */
    private static void snapshotCost(Path state) {
        try (AgentHost host = AgentHost.start(AgentHosts.shipped(TOPOLOGY), state, Duration.ofHours(1))) {
            Preparations preparations = new Preparations(host, new AssignmentTable(state));
            for (int index = 0; index < GPUS.size(); index++) {
                preparations.prepare(new PrepareOrder(assignmentId(index), "tenant-" + index, List.of(GPUS.get(index)), true, 1));
            }
            Path file = state.resolve("timed.snapshot");
            Host kernel = host.inspect(running -> running);
            String[] text = new String[1];
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpuBefore = threads.getCurrentThreadCpuTime();
            double encode = secondsEach(() -> text[0] = HostSnapshot.encode(kernel), 500);
            // Warm-up included: 600 encodings in all. CPU time shows the cost on a machine busy with other work.
            double encodeCpu = (threads.getCurrentThreadCpuTime() - cpuBefore) / 1e9 / 600;
            double write = secondsEach(() -> HostSnapshot.write(kernel, file), 200);
            System.out.printf(Locale.ROOT, "  engine snapshot of that host              %d journal entries, %,d bytes: encode %.0f us"
                    + " (%.0f us of CPU), write (encode, temp file, fsync, rename, directory fsync) %.2f ms%n",
                    kernel.journal().size(), text[0].getBytes(StandardCharsets.UTF_8).length, encode * 1e6, encodeCpu * 1e6,
                    write * 1e3);
        }
    }

    private static double secondsEach(Runnable action, int times) {
        for (int warmup = 0; warmup < times / 5; warmup++) {
            action.run();
        }
        long start = System.nanoTime();
        for (int time = 0; time < times; time++) {
            action.run();
        }
        return (System.nanoTime() - start) / 1e9 / times;
    }

    /** Round trips per second of {@code action}, run {@code times} times, each run making {@code perRun} calls. */
    private static double perSecond(Runnable action, int times, int perRun) {
        long start = System.nanoTime();
        for (int time = 0; time < times; time++) {
            action.run();
        }
        return (double) times * perRun / ((System.nanoTime() - start) / 1e9);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static PrepareRequest prepareRequest(int gpu, long epoch) {
        return PrepareRequest.newBuilder().setAssignmentId(assignmentId(gpu)).setTenant("tenant-" + gpu)
                .addDevices(GPUS.get(gpu)).setWithKvm(true).setEpoch(epoch).build();
    }

    private static String assignmentId(int gpu) {
        return "benchmark-" + gpu;
    }

    record Memory(long rssKilobytes, long peakKilobytes) {
    }

    /** The agent application in a JVM of its own, so that its resident memory is its alone. */
    private static final class ChildAgent implements AutoCloseable {
        private final Process process;
        final int port;
        final String jvm;
        final String snapshotDelay;

        private ChildAgent(Process process, int port, String jvm, String snapshotDelay) {
            this.process = process;
            this.port = port;
            this.jvm = jvm;
            this.snapshotDelay = snapshotDelay;
        }

        static ChildAgent start(Path state, String jvm, String snapshotDelay) throws IOException, InterruptedException {
            int port;
            try (ServerSocket probe = new ServerSocket(0)) {
                port = probe.getLocalPort();
            }
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(Arrays.asList(jvm.trim().split("\\s+")));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.vfleet.agent.AgentApplication",
                    "--topology=" + shippedTopology(), "--state-dir=" + state.resolve("agent"), "--grpc-port=" + port,
                    "--spring.grpc.server.address=127.0.0.1", "--logging.level.root=WARN", "--spring.profiles.active=local",
                    "--vfleet.security.tokens[0].token=" + CONTROLLER_TOKEN, "--vfleet.security.tokens[0].role=controller"));
            if (!snapshotDelay.isBlank()) {
                command.add("--snapshot-delay=" + snapshotDelay);
            }
            Path log = state.resolve("agent.log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            ChildAgent agent = new ChildAgent(process, port, jvm, snapshotDelay.isBlank() ? "the default" : snapshotDelay);
            agent.awaitServing(log);
            return agent;
        }

        private void awaitServing(Path log) throws InterruptedException {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            try {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline) {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("the agent exited with " + process.exitValue() + "; see " + log);
                    }
                    try {
                        HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                                .check(HealthCheckRequest.getDefaultInstance());
                        return;
                    } catch (io.grpc.StatusRuntimeException notYet) {
                        Thread.sleep(100);
                    }
                }
                throw new IllegalStateException("the agent did not serve within 60 s; see " + log);
            } finally {
                channel.shutdownNow();
            }
        }

        Memory memory() {
            try {
                long rss = 0;
                long peak = 0;
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        rss = kilobytes(line);
                    } else if (line.startsWith("VmHWM:")) {
                        peak = kilobytes(line);
                    }
                }
                return new Memory(rss, peak);
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the agent's /proc status", e);
            }
        }

        private static long kilobytes(String line) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }

        private static Path shippedTopology() {
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path candidate = dir.resolve("deploy/topologies/" + TOPOLOGY + ".yaml");
                if (Files.isRegularFile(candidate)) {
                    return candidate;
                }
            }
            throw new IllegalStateException("no shipped topology " + TOPOLOGY);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
