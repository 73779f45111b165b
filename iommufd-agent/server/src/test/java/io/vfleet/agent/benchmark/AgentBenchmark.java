package io.vfleet.agent.benchmark;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.vfleet.agent.ChildAgent;
import io.vfleet.api.agent.v1.IoctlRequest;
import io.vfleet.api.agent.v1.IommuIoasAlloc;
import io.vfleet.api.agent.v1.IommuIoasIovaRanges;
import io.vfleet.api.agent.v1.IommuIoasMap;
import io.vfleet.api.agent.v1.IommuIoasUnmap;
import io.vfleet.api.agent.v1.MmapRequest;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.OpenRequest;
import io.vfleet.api.agent.v1.PrepareRequest;
import io.vfleet.api.agent.v1.PrepareResponse;
import io.vfleet.api.agent.v1.ReleaseRequest;
import io.vfleet.api.agent.v1.SpawnRequest;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.security.CertificateIdentity;
import io.vfleet.security.tls.FleetTransport;
import io.vfleet.security.tls.TlsFiles;
import io.vfleet.security.tls.TlsIdentity;
import io.vfleet.testsupport.pki.TestPki;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/**
 * The agent's cost over loopback gRPC now that every answer waits for its changes to be on disk, run
 * on demand (not a test). The agent runs as a child JVM from this classpath on a host of 24 GPUs, 8
 * of them prepared throughout. Rounds of each load alternate, so that all see the same machine, and
 * every figure is a ratio to a baseline of the same run:
 * <ul>
 *   <li>one caller, one call at a time, as a VMM's thread does: the no-op RPC (gRPC health
 *   {@code Check}: same transport, same channel, no kernel and no journal behind it), an {@code Ioctl}
 *   query ({@code IOMMU_IOAS_IOVA_RANGES}) and an {@code Ioctl} state change ({@code IOMMU_IOAS_MAP}
 *   then {@code IOMMU_IOAS_UNMAP}, two calls), each a ratio to the no-op;
 *   <li>sixteen callers at once, each a VMM of its own mapping and unmapping its own IOAS, against
 *   sixteen callers of the no-op: what group commit makes of state changes under concurrency;
 *   <li>{@code Prepare}+{@code Release} (with KVM and reset) cycles, one caller against sixteen, each
 *   caller on a GPU of its own: the sixteen share fsyncs;
 *   <li>for each load, fsyncs per call (the agent's own counters, scraped from its Prometheus
 *   endpoint around the rounds), the mean fsync and the mean wait of a reply for the disk, which is
 *   where the time of a state change goes beyond the no-op;
 *   <li>the agent's resident memory ({@code VmRSS}, peak {@code VmHWM});
 *   <li>the cost of mutual TLS: the one-caller {@code Ioctl} query on a plaintext agent and on one serving
 *   its node's certificate, two more agents side by side in the same run.
 * </ul>
 * System properties: {@code agent.jvm} (the child's JVM options, space-separated; default
 * {@value #AGENT_JVM}, the agent image's), {@code rounds} (default 5), {@code seconds} per round (default 2), and
 * {@code loads}, names (or parts of names) of the loads to run, comma-separated (default all; the
 * one-caller no-op always runs). The command is in the README.
 */
public final class AgentBenchmark {
    /** The JVM options of the agent's image (its pom's jib {@code jvmFlags}). */
    static final String AGENT_JVM = "-XX:+UseSerialGC -Xms32m -Xmx128m -Xss512k -XX:TrimNativeHeapInterval=2000";
    private static final int GPUS = 24;
    private static final int KEPT_PREPARED = 8;
    private static final int CALLERS = 16;
    private static final long GUEST_RAM = 2L << 20;
    private static final long FIXED_IOVA = 1L << 32;
    private static final int READ_WRITE = 1 | 2;
    private static final int FIXED = 4;
    private static final String HOSTNAME = "bench-host";
    /** The run's one controller term on the node, and each assignment's one epoch (see {@link #cycle}). */
    private static final long CONTROLLER_TERM = 1, EPOCH = 1;

    private final ManagedChannel channel;
    private final ChildAgent agent;
    private final HttpClient http = HttpClient.newHttpClient();

    private AgentBenchmark(ManagedChannel channel, ChildAgent agent) {
        this.channel = channel;
        this.agent = agent;
    }

    /** One kind of load: {@code callers} threads, each running {@code work} (which makes {@code callsPerRun} calls) in a loop. */
    private record Load(String name, int callers, int callsPerRun, IntFunction<Runnable> work) {
    }

    /** What the rounds of one load measured: calls per second (median), and the agent's counters over all rounds. */
    private record Measured(double callsPerSecond, long calls, Map<String, Double> counters) {
        double per(String counter) {
            return counters.getOrDefault(counter, 0.0) / calls;
        }

        double meanMillis(String timer) {
            double count = counters.getOrDefault(timer + "_count", 0.0);
            return count == 0 ? 0 : counters.getOrDefault(timer + "_sum", 0.0) / count * 1e3;
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = Integer.getInteger("rounds", 5);
        int seconds = Integer.getInteger("seconds", 2);
        String jvm = System.getProperty("agent.jvm", AGENT_JVM);
        Path directory = Files.createTempDirectory("agent-benchmark");
        Path topology = Files.writeString(directory.resolve("gpu-host-24x.yaml"), topology());
        List<String> jvmOptions = Arrays.asList(jvm.trim().split("\\s+"));
        try {
            try (ChildAgent agent = ChildAgent.start(topology, directory.resolve("state"), jvmOptions, List.of())) {
                ManagedChannel channel = agent.channel();
                try {
                    new AgentBenchmark(channel, agent).run(rounds, seconds, jvm);
                } finally {
                    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
            }
            tlsCost(directory, topology, jvmOptions, rounds, seconds);
        } finally {
            deleteTree(directory);
        }
    }

    /** Removes what the agents kept: their journals, whose spare segments are 8 MiB each, and the certificates. */
    private static void deleteTree(Path directory) throws IOException {
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /**
     * The same {@code Ioctl} query on two agents side by side, one plaintext and one over mutual TLS (the
     * node's certificate, the client presenting the controller's and checking the node's identity), rounds
     * alternating between them so that both see the same machine; TLS's cost is their ratio. Connections
     * are kept open, as a VMM's and the controller's are: the handshake is paid once per channel.
     */
    private static void tlsCost(Path directory, Path topology, List<String> jvm, int rounds, int seconds) throws Exception {
        TestPki pki = TestPki.create();
        Path agentTls = pki.issue(directory.resolve("agent-tls"), CertificateIdentity.nodeUri(HOSTNAME));
        try (TlsIdentity controller = TlsIdentity.load(TlsFiles.in(pki.issue(directory.resolve("controller-tls"),
                        CertificateIdentity.controllerUri())));
                ChildAgent plain = ChildAgent.start(topology, directory.resolve("plain"), jvm, List.of());
                ChildAgent secured = ChildAgent.start(topology, directory.resolve("secured"), jvm, List.of(), agentTls)) {
            ManagedChannel plainChannel = plain.channel();
            ManagedChannel tlsChannel = FleetTransport.tls(controller).dial("127.0.0.1:" + secured.grpcPort(),
                    CertificateIdentity.nodeUri(HOSTNAME));
            try {
                Runnable plainCall = queryCall(plainChannel);
                Runnable tlsCall = queryCall(tlsChannel);
                Load plainQuery = new Load("Ioctl query, plaintext agent", 1, 1, caller -> plainCall);
                Load tlsQuery = new Load("Ioctl query, mutual TLS agent", 1, 1, caller -> tlsCall);
                rate(plainQuery, 1);
                rate(tlsQuery, 1);
                double[] plainRates = new double[rounds];
                double[] tlsRates = new double[rounds];
                for (int round = 0; round < rounds; round++) {
                    plainRates[round] = rate(plainQuery, seconds);
                    tlsRates[round] = rate(tlsQuery, seconds);
                }
                double plainRate = median(plainRates);
                double tlsRate = median(tlsRates);
                System.out.printf(Locale.ROOT, "  %-30s %10.0f %9.3f ms  1.00x (baseline)%n", plainQuery.name(), plainRate, 1e3 / plainRate);
                System.out.printf(Locale.ROOT, "  %-30s %10.0f %9.3f ms  %.2fx plaintext (target 1.3x)%n", tlsQuery.name(), tlsRate,
                        1e3 / tlsRate, plainRate / tlsRate);
            } finally {
                plainChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                tlsChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** One GPU prepared, and a {@code IOMMU_IOAS_IOVA_RANGES} query of its IOAS as its VMM would make it. */
    private static Runnable queryCall(ManagedChannel channel) {
        PrepareResponse vmm = NodeAgentGrpc.newBlockingStub(channel).withInterceptors(ChildAgent.bearer(ChildAgent.CONTROLLER_TOKEN))
                .prepare(prepare(0));
        var syscalls = SyscallsGrpc.newBlockingStub(channel).withInterceptors(ChildAgent.bearer(vmm.getSyscallsCredential()));
        IoctlRequest query = IoctlRequest.newBuilder().setPid(vmm.getPid()).setFd(vmm.getIommufd())
                .setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder().setIoasId(vmm.getIoasId()).setNumIovas(8)).build();
        return () -> syscalls.ioctl(query);
    }

    private void run(int rounds, int seconds, String jvm) throws Exception {
        var nodeAgent = NodeAgentGrpc.newBlockingStub(channel).withInterceptors(ChildAgent.bearer(ChildAgent.CONTROLLER_TOKEN));
        var health = HealthGrpc.newBlockingStub(channel);
        List<PrepareResponse> kept = new ArrayList<>();
        for (int gpu = 0; gpu < KEPT_PREPARED; gpu++) {
            kept.add(nodeAgent.prepare(prepare(gpu)));
        }
        PrepareResponse vmm = kept.getFirst();
        // As a VMM calls: with its assignment's credential, which reaches its own process alone.
        var syscalls = SyscallsGrpc.newBlockingStub(channel).withInterceptors(ChildAgent.bearer(vmm.getSyscallsCredential()));
        long guestRam = syscalls.mmap(MmapRequest.newBuilder().setPid(vmm.getPid()).setLength(GUEST_RAM).setProt(3).build()).getAddr();
        IoctlRequest query = IoctlRequest.newBuilder().setPid(vmm.getPid()).setFd(vmm.getIommufd())
                .setIommuIoasIovaRanges(IommuIoasIovaRanges.newBuilder().setIoasId(vmm.getIoasId()).setNumIovas(8)).build();
        // The other callers' VMMs are made by an operator, whose token reaches every process.
        var operator = SyscallsGrpc.newBlockingStub(channel).withInterceptors(ChildAgent.bearer(ChildAgent.OPERATOR_TOKEN));
        List<IoctlRequest[]> mapUnmaps = new ArrayList<>();
        List<SyscallsGrpc.SyscallsBlockingStub> callers = new ArrayList<>();
        mapUnmaps.add(mapUnmap(vmm.getPid(), vmm.getIommufd(), vmm.getIoasId(), guestRam));
        callers.add(syscalls);
        for (int caller = 1; caller < CALLERS; caller++) {
            mapUnmaps.add(ownIoas(operator, caller));
            callers.add(operator);
        }
        HealthCheckRequest noop = HealthCheckRequest.getDefaultInstance();

        List<Load> loads = List.of(
                new Load("no-op RPC, 1 caller", 1, 1, caller -> () -> health.check(noop)),
                new Load("Ioctl query, 1 caller", 1, 1, caller -> () -> syscalls.ioctl(query)),
                new Load("Ioctl MAP+UNMAP, 1 caller", 1, 2, caller -> () -> {
                    syscalls.ioctl(mapUnmaps.get(caller)[0]);
                    syscalls.ioctl(mapUnmaps.get(caller)[1]);
                }),
                new Load("no-op RPC, 16 callers", CALLERS, 1, caller -> () -> health.check(noop)),
                new Load("Ioctl MAP+UNMAP, 16 callers", CALLERS, 2, caller -> () -> {
                    callers.get(caller).ioctl(mapUnmaps.get(caller)[0]);
                    callers.get(caller).ioctl(mapUnmaps.get(caller)[1]);
                }),
                new Load("Prepare+Release, 1 caller", 1, 1, caller -> cycle(nodeAgent, KEPT_PREPARED + caller)),
                new Load("Prepare+Release, 16 callers", CALLERS, 1, caller -> cycle(nodeAgent, KEPT_PREPARED + caller)));

        String only = System.getProperty("loads", "");
        if (!only.isBlank()) {
            loads = loads.stream().filter(load -> load.name().startsWith("no-op RPC, 1")
                    || Arrays.stream(only.split(",")).anyMatch(name -> load.name().contains(name.strip()))).toList();
        }
        for (Load load : loads) {
            rate(load, 1);
        }
        Map<Load, double[]> rates = new LinkedHashMap<>();
        Map<Load, long[]> calls = new HashMap<>();
        Map<Load, Map<String, Double>> counters = new HashMap<>();
        for (int round = 0; round < rounds; round++) {
            for (Load load : loads) {
                Map<String, Double> before = scrape();
                long[] made = new long[1];
                double rate = rateCounting(load, seconds, made);
                Map<String, Double> after = scrape();
                rates.computeIfAbsent(load, ignored -> new double[rounds])[round] = rate;
                calls.computeIfAbsent(load, ignored -> new long[1])[0] += made[0];
                Map<String, Double> sums = counters.computeIfAbsent(load, ignored -> new HashMap<>());
                after.forEach((name, value) -> sums.merge(name, value - before.getOrDefault(name, 0.0), Double::sum));
            }
        }
        Map<String, Measured> measured = new LinkedHashMap<>();
        for (Load load : loads) {
            measured.put(load.name(), new Measured(median(rates.get(load)), calls.get(load)[0], counters.get(load)));
        }
        report(measured, rounds, seconds, jvm);
    }

    private void report(Map<String, Measured> measured, int rounds, int seconds, String jvm) throws IOException {
        Measured noop = measured.get("no-op RPC, 1 caller");
        Measured noops = measured.get("no-op RPC, 16 callers");
        System.out.println();
        System.out.println("Agent over loopback gRPC, a host of " + GPUS + " GPUs with " + KEPT_PREPARED + " prepared, every answer "
                + "durable before it is sent (medians of " + rounds + " rounds of " + seconds + " s; agent JVM: " + jvm + ")");
        System.out.println("                                    calls/s    per call   ratio                 fsyncs/call  "
                + "fsync   reply waits for disk");
        for (var entry : measured.entrySet()) {
            Measured load = entry.getValue();
            String ratio = switch (entry.getKey()) {
                case "no-op RPC, 1 caller", "no-op RPC, 16 callers" -> "1.00x (baseline)";
                case "Ioctl query, 1 caller", "Ioctl MAP+UNMAP, 1 caller" ->
                        String.format(Locale.ROOT, "%.2fx the no-op", noop.callsPerSecond() / load.callsPerSecond());
                case "Ioctl MAP+UNMAP, 16 callers" -> noops == null ? ""
                        : String.format(Locale.ROOT, "%.2fx the no-op", noops.callsPerSecond() / load.callsPerSecond());
                case "Prepare+Release, 16 callers" -> !measured.containsKey("Prepare+Release, 1 caller") ? ""
                        : String.format(Locale.ROOT, "%.1fx the 1-caller rate",
                                load.callsPerSecond() / measured.get("Prepare+Release, 1 caller").callsPerSecond());
                default -> "";
            };
            System.out.printf(Locale.ROOT, "  %-30s %10.0f %9.3f ms  %-21s %8.3f  %6.2f ms  %6.3f ms mean%n", entry.getKey(),
                    load.callsPerSecond(), 1e3 / load.callsPerSecond() * (entry.getKey().contains("16") ? CALLERS : 1), ratio,
                    load.per("vfleet_agent_journal_sync_seconds_count"), load.meanMillis("vfleet_agent_journal_sync_seconds"),
                    load.meanMillis("vfleet_agent_reply_durability_seconds"));
        }
        System.out.println("  (a Prepare+Release cycle is one call here: its fsyncs/call are per cycle, of its two answers)");
        System.out.println("  where the time of one caller's call goes (per call: the no-op's round trip, the reply's wait for the disk,"
                + " and the rest: the kernel call, messages, journal encoding):");
        for (String name : List.of("Ioctl MAP+UNMAP, 1 caller", "Prepare+Release, 1 caller")) {
            Measured load = measured.get(name);
            if (load == null) {
                continue;
            }
            int answers = name.startsWith("Prepare") ? 2 : 1;
            double total = 1e3 / load.callsPerSecond();
            double roundTrips = answers * 1e3 / noop.callsPerSecond();
            double disk = answers * load.meanMillis("vfleet_agent_reply_durability_seconds");
            System.out.printf(Locale.ROOT, "    %-28s %7.3f ms = round trip%s %6.3f ms + disk %6.3f ms (fsync %6.3f ms) + rest %6.3f ms%n",
                    name, total, answers == 2 ? "s" : " ", roundTrips, disk,
                    load.meanMillis("vfleet_agent_journal_sync_seconds") * load.per("vfleet_agent_journal_sync_seconds_count"),
                    total - roundTrips - disk);
        }
        ChildAgent.Memory memory = agent.memory();
        System.out.printf(Locale.ROOT, "  agent resident memory: VmRSS %d MB, peak VmHWM %d MB (target 256 MB)%n",
                memory.rssKilobytes() / 1024, memory.peakKilobytes() / 1024);
    }

    /**
     * One assignment's Prepare then Release, again and again at the same epoch under the run's one term: a
     * call is refused only for an older term than the node's or an older epoch than its own assignment's,
     * so a repeated epoch passes, and concurrent callers, each on an assignment of its own, never fence
     * each other.
     */
    private static Runnable cycle(NodeAgentGrpc.NodeAgentBlockingStub nodeAgent, int gpu) {
        return () -> {
            nodeAgent.prepare(prepare(gpu));
            nodeAgent.release(ReleaseRequest.newBuilder().setAssignmentId(assignmentId(gpu)).setReset(true)
                    .setEpoch(EPOCH).setTerm(CONTROLLER_TERM).build());
        };
    }

    /** A VMM of its own with an IOAS and guest memory, for a caller that maps without contending with others. */
    private static IoctlRequest[] ownIoas(SyscallsGrpc.SyscallsBlockingStub syscalls, int caller) {
        int pid = syscalls.spawn(SpawnRequest.newBuilder().setName("bench-vmm-" + caller).setUid(200_000 + caller)
                .setMemlockLimitBytes(-1L).build()).getPid();
        int iommufd = syscalls.open(OpenRequest.newBuilder().setPid(pid).setPath("/dev/iommu").setFlags(2).build()).getFd();
        int ioas = syscalls.ioctl(IoctlRequest.newBuilder().setPid(pid).setFd(iommufd)
                .setIommuIoasAlloc(IommuIoasAlloc.getDefaultInstance()).build()).getIommuIoasAlloc().getOutIoasId();
        long memory = syscalls.mmap(MmapRequest.newBuilder().setPid(pid).setLength(GUEST_RAM).setProt(3).build()).getAddr();
        return mapUnmap(pid, iommufd, ioas, memory);
    }

    private static IoctlRequest[] mapUnmap(int pid, int iommufd, int ioas, long memory) {
        return new IoctlRequest[] {
                IoctlRequest.newBuilder().setPid(pid).setFd(iommufd).setIommuIoasMap(IommuIoasMap.newBuilder()
                        .setFlags(READ_WRITE | FIXED).setIoasId(ioas).setUserVa(memory).setLength(GUEST_RAM).setIova(FIXED_IOVA)).build(),
                IoctlRequest.newBuilder().setPid(pid).setFd(iommufd).setIommuIoasUnmap(IommuIoasUnmap.newBuilder()
                        .setIoasId(ioas).setIova(FIXED_IOVA).setLength(GUEST_RAM)).build()};
    }

    private static double rate(Load load, int seconds) throws InterruptedException {
        return rateCounting(load, seconds, new long[1]);
    }

    /** Calls per second of {@code load} over {@code seconds}; {@code made[0]} gets the calls made. */
    private static double rateCounting(Load load, int seconds, long[] made) throws InterruptedException {
        AtomicLong runs = new AtomicLong();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        AtomicReference<RuntimeException> failed = new AtomicReference<>();
        long started = System.nanoTime();
        for (int caller = 0; caller < load.callers(); caller++) {
            Runnable work = load.work().apply(caller);
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    while (System.nanoTime() < deadline && failed.get() == null) {
                        work.run();
                        runs.incrementAndGet();
                    }
                } catch (RuntimeException refused) {
                    failed.compareAndSet(null, refused);
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failed.get() != null) {
            // A refused call ends its caller: a rate of the callers left would be no rate of this load.
            throw new IllegalStateException(load.name() + ": a caller's call failed", failed.get());
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        made[0] = runs.get() * load.callsPerRun();
        return made[0] / elapsed;
    }

    /** The agent's counters from its Prometheus endpoint, summed over their labels. */
    private Map<String, Double> scrape() throws IOException, InterruptedException {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agent.httpPort() + "/actuator/prometheus"))
                .header("Authorization", "Bearer " + ChildAgent.OPERATOR_TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> values = new HashMap<>();
        for (String line : body.lines().toList()) {
            if (line.startsWith("vfleet_agent_journal_") || line.startsWith("vfleet_agent_reply_durability_seconds_")) {
                int labels = line.indexOf('{');
                int value = line.lastIndexOf(' ');
                String name = labels > 0 ? line.substring(0, labels) : line.substring(0, value);
                values.merge(name, Double.parseDouble(line.substring(value + 1)), Double::sum);
            }
        }
        return values;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static PrepareRequest prepare(int gpu) {
        return PrepareRequest.newBuilder().setAssignmentId(assignmentId(gpu)).setTenant("tenant-" + gpu)
                .addDevices(bdf(gpu)).setWithKvm(true).setEpoch(EPOCH).setTerm(CONTROLLER_TERM).build();
    }

    private static String assignmentId(int gpu) {
        return "benchmark-" + gpu;
    }

    private static String bdf(int gpu) {
        return String.format(Locale.ROOT, "0000:%02x:00.0", gpu + 0x20);
    }

    /** GPUs with FLR, each behind a root port of its own, in an IOMMU group of its own. */
    private static String topology() {
        StringBuilder yaml = new StringBuilder("""
                hostname: %s
                kernel:
                  profile: v11
                devices:
                """.formatted(HOSTNAME));
        for (int gpu = 0; gpu < GPUS; gpu++) {
            String port = String.format(Locale.ROOT, "0000:00:%02x.0", gpu + 1);
            yaml.append(String.format(Locale.ROOT, """
                      - {bdf: %s, id: {vendor: 0x8086, device: 0x352a, class: 0x060400}, driver: pcieport, iommuGroup: %d, reset: {secondaryBusReset: true, slotReset: true}}
                      - {bdf: %s, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: %d, upstreamBridge: %s, reset: {functionReset: true}}
                    """, port, 100 + 2 * gpu, bdf(gpu), 101 + 2 * gpu, port));
        }
        return yaml.toString();
    }
}
