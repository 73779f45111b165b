package io.vfleet.assignment.benchmark;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.vfleet.api.assignment.v1.AssignRequest;
import io.vfleet.api.assignment.v1.AssignmentState;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.api.assignment.v1.DeviceSelector;
import io.vfleet.api.assignment.v1.ReleaseRequest;
import io.vfleet.assignment.AssignmentApplication;
import io.vfleet.assignment.adapter.persistence.AuditSequencer;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.support.AssignmentDatabase;
import io.vfleet.assignment.support.FakeNodeAgents;
import io.vfleet.assignment.support.InProcessAgent;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * Assign+release cycles per second of the whole service against the rate of single-row-update
 * transactions on the same embedded PostgreSQL, measured in the same run, and how the rate and the
 * latency hold from a fleet of 4 hosts to one of 500.
 *
 * <p>Every simulated host has sixteen GPUs (each in an IOMMU group of its own, with a function reset,
 * so that no release leaves a scrub pending), served by the agent's own code (engine, NodeAgent service)
 * on a loopback port; the service runs whole and reaches them over gRPC, as in production. Sixteen
 * clients cycle over the service's gRPC API: Assign (timed), then Release. Nothing is refused, so the
 * figure is the cost of the work, not of contention. The runs, in order:
 *
 * <ol>
 *   <li>the baseline: sixteen threads, each with its own connection, committing
 *       {@code update ... set value = value + 1} on a row of its own;
 *   <li>named devices, 4 hosts, real agents: four clients per host, each cycling over four GPUs of its own;
 *   <li>the same with in-memory agents (the tests' fake), so that the service's own cost shows apart
 *       from the agents' durable writes;
 *   <li>placed devices (a selector, any node), real agents, 4 hosts and then 500: the fleet view chooses;
 *   <li>the baseline again, so that drift shows.
 * </ol>
 *
 * <p>For each run: PostgreSQL's commit count per cycle; the CPU a cycle costs in the measured window, the
 * service's JVM (with its clients) apart from PostgreSQL's processes; where PostgreSQL's time goes
 * (pg_stat_statements over the measured window: planning and executing, the costliest statements
 * with their calls per cycle); and where an assign's and a release's time goes (the service's own
 * timers: each step's transaction, each agent call; the rest is the gRPC edge and the client). The JVM
 * records a flight recording as well (see the pom) for a profile.
 *
 * <p>The warm-up is long because on two cores the JIT compiles the service's whole path (Spring, gRPC,
 * Netty, the JDBC driver) for about the first 80 seconds: after 15, it still took a quarter of the JVM's
 * CPU, and after 45 a fifth. Halfway through it the benchmark analyzes the tables, as autovacuum would
 * have in a service that has run for a while, so that the window measures plans made for the tables as
 * they are ({@code -Danalyze=false} leaves the statistics a freshly created database has instead).
 *
 * <p>Options (system properties): {@code warmup} and {@code measure} in seconds (90, 20); {@code clients}
 * (16; 1, 2, 4, 8 or 16); {@code fleet} (500), the hosts of the large fleet; {@code runs}, which runs
 * to make ({@code named}, {@code memory}, {@code placed}, comma-separated; all by default); {@code analyze}
 * (true), whether to analyze the tables halfway through the warm-up.
 */
public final class AssignmentBenchmark {

    private static final int GPUS_PER_HOST = 16;
    private static final int CLIENTS = Integer.getInteger("clients", 16);
    private static final int LARGE_FLEET = Integer.getInteger("fleet", 500);
    private static final boolean ANALYZE = Boolean.parseBoolean(System.getProperty("analyze", "true"));
    private static final String TOKEN = "benchmark-operator";
    /** The runs to make ({@code named}, {@code memory}, {@code placed}, comma-separated); all when empty. */
    private static final List<String> ONLY = Arrays.stream(System.getProperty("runs", "").split(","))
            .map(String::strip).filter(run -> !run.isEmpty() && !run.equals("all")).toList();

    private AssignmentBenchmark() {}

    /** What one phase of clients did while measured. */
    // Read and never compared or hashed: its latencies stay a primitive array.
    @SuppressWarnings("ArrayRecordComponent")
    private record Rate(long operations, double seconds, long[] latenciesNanos, long failures, long allOperations, String cpu) {

        double perSecond() {
            return operations / seconds;
        }

        double percentileMillis(double fraction) {
            if (latenciesNanos.length == 0) {
                return Double.NaN;
            }
            long[] sorted = latenciesNanos.clone();
            Arrays.sort(sorted);
            int index = (int) Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
            return sorted[Math.max(0, index)] / 1e6;
        }
    }

    /**
     * CPU time spent so far, in nanoseconds: this JVM's (the service, its clients and any in-process
     * agents) and PostgreSQL's (every process named postgres, read from /proc).
     */
    private record CpuTime(long jvmNanos, long postgresNanos, long wallNanos) {

        static CpuTime now() {
            long jvm = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            long postgres = ProcessHandle.allProcesses()
                    .filter(process -> process.info().command().map(command -> command.endsWith("/postgres")).orElse(false))
                    .mapToLong(CpuTime::ticks).sum() * (1_000_000_000L / 100);
            return new CpuTime(jvm, postgres, System.nanoTime());
        }

        /** utime + stime of a process, in clock ticks (100 a second on Linux). */
        private static long ticks(ProcessHandle process) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
                List<String> fields = List.of(stat.substring(stat.lastIndexOf(')') + 2).split(" ", -1));
                return Long.parseLong(fields.get(11)) + Long.parseLong(fields.get(12));
            } catch (java.io.IOException | RuntimeException gone) {
                return 0;
            }
        }

        String perCycle(CpuTime before, long cycles) {
            double wall = (wallNanos - before.wallNanos) / 1e9;
            return String.format(Locale.ROOT, "CPU per cycle, measured window: service JVM %.2f ms, PostgreSQL %.2f ms"
                    + " (%.2f and %.2f cores busy of %d)", (jvmNanos - before.jvmNanos) / 1e6 / cycles,
                    (postgresNanos - before.postgresNanos) / 1e6 / cycles, (jvmNanos - before.jvmNanos) / 1e9 / wall,
                    (postgresNanos - before.postgresNanos) / 1e9 / wall, Runtime.getRuntime().availableProcessors());
        }
    }

    /** A run of the service: its rate, its commits per cycle, and where its time went. */
    private record Run(String name, Rate rate, double commitsPerCycle, List<String> breakdown) {}

    /** One client's loop: {@code step} returns the nanoseconds to record, or -1 for a failed step. */
    @FunctionalInterface
    private interface Step {
        long run(int iteration) throws Exception;
    }

    /**
     * What the benchmark does while the clients run: halfway through the warm-up, and as the measured
     * window opens.
     */
    private record Milestones(SqlAction midWarmup, SqlAction windowOpens) {
        static final Milestones NONE = new Milestones(() -> {}, () -> {});
    }

    @FunctionalInterface
    private interface SqlAction {
        void run() throws SQLException;
    }

    /** How clients ask: for named devices of a node, or for any GPU anywhere. */
    private enum Workload { NAMED, PLACED }

    public static void main(String[] arguments) {
        int status = 1;
        try {
            measure();
            status = 0;
        } catch (Exception | AssertionError failed) {
            failed.printStackTrace(System.err);
        }
        // The embedded PostgreSQL and gRPC leave threads behind that would keep the JVM alive.
        System.exit(status);
    }

    private static void measure() throws Exception {
        Duration warmup = Duration.ofSeconds(Long.getLong("warmup", 90));
        Duration measure = Duration.ofSeconds(Long.getLong("measure", 20));
        String jdbcUrl = BenchmarkDatabase.start();
        System.out.printf(Locale.ROOT, "embedded PostgreSQL %s; %d clients; warm-up %ds, measured %ds; %d CPUs%n", jdbcUrl,
                CLIENTS, warmup.toSeconds(), measure.toSeconds(), Runtime.getRuntime().availableProcessors());

        Rate before = baseline(jdbcUrl, warmup, measure);
        List<Run> runs = new ArrayList<>();
        if (ONLY.isEmpty() || ONLY.contains("named")) {
            runs.add(service("named devices, 4 hosts, real agents", jdbcUrl, warmup, measure, 4, true, Workload.NAMED));
        }
        if (ONLY.isEmpty() || ONLY.contains("memory")) {
            runs.add(service("named devices, 4 hosts, in-memory agents", jdbcUrl, warmup, measure, 4, false, Workload.NAMED));
        }
        Run small = null;
        Run large = null;
        if (ONLY.isEmpty() || ONLY.contains("placed")) {
            small = service("placed devices, 4 hosts, real agents", jdbcUrl, warmup, measure, 4, true, Workload.PLACED);
            runs.add(small);
            large = service("placed devices, " + LARGE_FLEET + " hosts, real agents", jdbcUrl, warmup, measure, LARGE_FLEET,
                    true, Workload.PLACED);
            runs.add(large);
        }
        Rate after = baseline(jdbcUrl, warmup, measure);

        double baselineTps = (before.perSecond() + after.perSecond()) / 2;
        double baselineP99 = (before.percentileMillis(0.99) + after.percentileMillis(0.99)) / 2;
        System.out.printf(Locale.ROOT, "%nbaseline (single-row update transactions): %.0f/s before, %.0f/s after, mean %.0f/s;"
                + " p50 %.2f ms, p99 %.2f ms before, %.2f ms after%n", before.perSecond(), after.perSecond(), baselineTps,
                before.percentileMillis(0.50), before.percentileMillis(0.99), after.percentileMillis(0.99));
        System.out.println("  before: " + before.cpu().replace("per cycle", "per transaction"));
        System.out.println("  after: " + after.cpu().replace("per cycle", "per transaction"));
        for (Run run : runs) {
            System.out.printf(Locale.ROOT, "%n%s: %.1f assign+release cycles/s = %.4f x baseline, %d failed;"
                    + " assign p50 %.2f ms, p99 %.2f ms = %.2f x baseline p99; %.2f commits per cycle%n", run.name(),
                    run.rate().perSecond(), run.rate().perSecond() / baselineTps, run.rate().failures(),
                    run.rate().percentileMillis(0.50), run.rate().percentileMillis(0.99),
                    run.rate().percentileMillis(0.99) / baselineP99, run.commitsPerCycle());
            run.breakdown().forEach(line -> System.out.println("  " + line));
        }
        if (small != null && large != null) {
            System.out.printf(Locale.ROOT, "%nfleet scaling, %d hosts against 4: cycles/s %.3f x, assign p99 %.3f x%n",
                    LARGE_FLEET, large.rate().perSecond() / small.rate().perSecond(),
                    large.rate().percentileMillis(0.99) / small.rate().percentileMillis(0.99));
        }
        System.out.println("targets: in-memory agents >= 0.25 x baseline, real agents >= 0.1 x baseline, assign p99 <= 4 x"
                + " the baseline's; at " + LARGE_FLEET + " hosts >= 0.8 x the cycles/s and <= 1.25 x the p99 of 4 hosts");
    }

    private static Rate baseline(String jdbcUrl, Duration warmup, Duration measure) throws Exception {
        try (Connection setup = DriverManager.getConnection(jdbcUrl); Statement statement = setup.createStatement()) {
            statement.execute("create schema if not exists benchmark");
            statement.execute("create table if not exists benchmark.counters (id integer primary key, value bigint not null)");
            statement.execute("truncate benchmark.counters");
            statement.execute("insert into benchmark.counters select id, 0 from generate_series(0, " + (CLIENTS - 1) + ") id");
        }
        List<Connection> connections = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            Connection connection = DriverManager.getConnection(jdbcUrl);
            connection.setAutoCommit(false);
            connections.add(connection);
            PreparedStatement update = connection.prepareStatement("update benchmark.counters set value = value + 1 where id = ?");
            update.setInt(1, client);
            steps.add(iteration -> {
                long start = System.nanoTime();
                update.executeUpdate();
                connection.commit();
                return System.nanoTime() - start;
            });
        }
        try {
            return run(steps, warmup, measure, Milestones.NONE);
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
        }
    }

    /** The whole service over {@code hosts} simulated hosts, reaching real agents over loopback gRPC or in-memory ones. */
    private static Run service(String name, String jdbcUrl, Duration warmup, Duration measure, int hosts,
            boolean realAgents, Workload workload) throws Exception {
        System.out.printf(Locale.ROOT, "%s: starting%n", name);
        BenchmarkDatabase.clear(jdbcUrl);
        Path state = Files.createTempDirectory("assignment-benchmark");
        HostTopology host = TopologyLoader.parse(sixteenGpuHost(), "bench-host");
        List<InProcessAgent> agents = new ArrayList<>();
        Map<String, String> properties = new HashMap<>();
        // The service on its own role, migrations on the owner's, and the audit log as deployed:
        // checkpoints every minute, the sequencer polling at its default pace.
        properties.put("spring.datasource.url", jdbcUrl.substring(0, jdbcUrl.indexOf('?')));
        properties.put("spring.datasource.username", AssignmentDatabase.SERVICE);
        properties.put("spring.datasource.password", AssignmentDatabase.password());
        properties.put("spring.flyway.user", AssignmentDatabase.OWNER);
        properties.put("spring.flyway.password", AssignmentDatabase.password());
        properties.put("vfleet.audit.checkpoints.interval", "60s");
        properties.put("vfleet.audit.sequencer.poll", "200ms");
        properties.put("vfleet.audit.checkpoints.directory", state.resolve("audit-checkpoints").toString());
        properties.put("spring.datasource.hikari.maximum-pool-size", "24");
        properties.put("server.port", "0");
        int port = freeLoopbackPort();
        properties.put("spring.grpc.server.port", Integer.toString(port));
        properties.put("spring.grpc.server.address", "127.0.0.1");
        properties.put("vfleet.reconcile.on-start", "false");
        properties.put("vfleet.reconcile.interval", "0s");
        properties.put("spring.profiles.active", "local");
        properties.put("vfleet.security.tokens[0].token", TOKEN);
        properties.put("vfleet.security.tokens[0].role", "operator");
        properties.put("logging.level.root", "WARN");
        properties.put("management.metrics.distribution.percentiles.vfleet.assignment.transaction", "0.5,0.99");
        properties.put("management.metrics.distribution.percentiles.vfleet.assignment.agent.call", "0.5,0.99");
        for (int index = 0; index < hosts; index++) {
            InProcessAgent agent = InProcessAgent.serveOnLoopback(host, state.resolve("host-" + index));
            agents.add(agent);
            properties.put("vfleet.agents.endpoints." + node(index), agent.endpoint());
        }
        // As arguments, which outrank application.properties (default properties would not).
        SpringApplicationBuilder builder = new SpringApplicationBuilder(AssignmentApplication.class);
        if (!realAgents) {
            builder.initializers(context -> ((GenericApplicationContext) context).registerBean(FakeNodeAgents.class,
                    FakeNodeAgents::new, definition -> definition.setPrimary(true)));
        }
        ConfigurableApplicationContext service = builder
                .run(properties.entrySet().stream().map(entry -> "--" + entry.getKey() + "=" + entry.getValue())
                        .toArray(String[]::new));
        Topologies topologies = service.getBean(Topologies.class);
        List<String> gpus = new ArrayList<>();
        var topology = agents.getFirst().topology(node(0));
        topology.devices().stream().filter(device -> device.assignable()).forEach(device -> gpus.add(device.bdf()));
        for (int index = 0; index < hosts; index++) {
            topologies.replace(new io.vfleet.assignment.domain.NodeTopology(node(index), topology.noiommuEnabled(), true,
                    topology.devices()), index + 1);
        }
        if (gpus.size() != GPUS_PER_HOST) {
            throw new IllegalStateException("expected " + GPUS_PER_HOST + " assignable GPUs per host, found " + gpus);
        }
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
        var stub = AssignmentsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        int perHost = Math.max(1, CLIENTS / Math.min(hosts, CLIENTS));
        int gpusPerClient = GPUS_PER_HOST / perHost;
        List<Step> steps = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            String tenant = "tenant-" + client;
            AssignRequest.Builder request = AssignRequest.newBuilder().setTenant(tenant);
            List<String> own;
            if (workload == Workload.NAMED) {
                request.setNode(node(client % hosts));
                own = gpus.subList((client / hosts) * gpusPerClient, (client / hosts + 1) * gpusPerClient);
            } else {
                request.setSelector(DeviceSelector.newBuilder().setVendorId(0x10de).setDeviceId(0x2330).setCount(1));
                own = List.of();
            }
            steps.add(iteration -> {
                AssignRequest.Builder cycle = request.clone();
                if (!own.isEmpty()) {
                    cycle.addDevices(own.get(iteration % own.size()));
                }
                long start = System.nanoTime();
                var assigned = stub.withDeadlineAfter(30, TimeUnit.SECONDS).assign(cycle.build());
                long latency = System.nanoTime() - start;
                if (assigned.getAssignment().getState() != AssignmentState.ACTIVE) {
                    return -1;
                }
                stub.withDeadlineAfter(30, TimeUnit.SECONDS)
                        .release(ReleaseRequest.newBuilder().setId(assigned.getAssignment().getId()).build());
                return latency;
            });
        }
        try {
            long commitsBefore = BenchmarkDatabase.commits(jdbcUrl);
            var housekeeping = new AtomicReference<BenchmarkDatabase.Housekeeping>();
            Rate rate = run(steps, warmup, measure, new Milestones(() -> {
                if (ANALYZE) {
                    BenchmarkDatabase.analyze(jdbcUrl);
                }
            }, () -> {
                BenchmarkDatabase.resetStatements(jdbcUrl);
                housekeeping.set(BenchmarkDatabase.Housekeeping.now(jdbcUrl));
            }));
            String housekept = BenchmarkDatabase.Housekeeping.now(jdbcUrl).since(housekeeping.get());
            double commitsPerCycle = (BenchmarkDatabase.commits(jdbcUrl) - commitsBefore) / (double) rate.allOperations();
            List<String> breakdown = new ArrayList<>(List.of(rate.cpu()));
            breakdown.addAll(breakdown(service.getBean(MeterRegistry.class)));
            breakdown.addAll(BenchmarkDatabase.statements(jdbcUrl, rate.operations()));
            breakdown.add(housekept);
            // The audit log's share: one sequencer round links what committed since the last.
            AuditSequencer sequencer = service.getBean(AuditSequencer.class);
            breakdown.add(String.format(Locale.ROOT, "audit sequencer (warm-up included): %d events linked in %d rounds,"
                    + " %.1f per round", sequencer.linked(), sequencer.rounds(),
                    sequencer.linked() / (double) Math.max(1, sequencer.rounds())));
            return new Run(name, rate, commitsPerCycle, breakdown);
        } finally {
            channel.shutdownNow();
            service.close();
            for (InProcessAgent agent : agents) {
                agent.close();
            }
            // The agents' journals: a spare segment of 8 MiB each, gigabytes for the large fleet.
            FileSystemUtils.deleteRecursively(state);
        }
    }

    /** Where the time of the service's steps went, by its own timers (mean and p99 of each). */
    private static List<String> breakdown(MeterRegistry registry) {
        List<String> lines = new ArrayList<>();
        for (String step : List.of("assign_intent", "assign_outcome", "release_intent", "release_outcome")) {
            Timer timer = registry.find("vfleet.assignment.transaction").tag("step", step).timer();
            lines.add(describe("transaction " + step, timer));
        }
        for (String operation : List.of("prepare", "release")) {
            Timer timer = registry.find("vfleet.assignment.agent.call").tag("operation", operation).tag("outcome", "ok").timer();
            lines.add(describe("agent " + operation, timer));
        }
        return lines;
    }

    private static String describe(String what, Timer timer) {
        if (timer == null || timer.count() == 0) {
            return what + ": none";
        }
        double p99 = Arrays.stream(timer.takeSnapshot().percentileValues()).filter(value -> value.percentile() == 0.99)
                .mapToDouble(value -> value.value(TimeUnit.MILLISECONDS)).findFirst().orElse(Double.NaN);
        return String.format(Locale.ROOT, "%-28s mean %6.2f ms, p99 %6.2f ms (%d)", what + ":",
                timer.mean(TimeUnit.MILLISECONDS), p99, timer.count());
    }

    private static String node(int index) {
        return String.format(Locale.ROOT, "bench-%03d", index);
    }

    private static int freeLoopbackPort() throws java.io.IOException {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Runs every step in a loop on a thread of its own: {@code warmup} unrecorded, then {@code measure}
     * recorded, with the {@code milestones} in between.
     */
    private static Rate run(List<Step> steps, Duration warmup, Duration measure, Milestones milestones) throws Exception {
        long measureFrom = System.nanoTime() + warmup.toNanos();
        long measureUntil = measureFrom + measure.toNanos();
        ExecutorService threads = Executors.newFixedThreadPool(steps.size());
        List<Future<long[]>> results = new ArrayList<>();
        long[] failures = new long[steps.size()];
        long[] allOperations = new long[steps.size()];
        for (int index = 0; index < steps.size(); index++) {
            Step step = steps.get(index);
            int client = index;
            results.add(threads.submit((Callable<long[]>) () -> {
                long[] latencies = new long[1024];
                int recorded = 0;
                long succeeded = 0;
                for (int iteration = 0; ; iteration++) {
                    long startedAt = System.nanoTime();
                    if (startedAt >= measureUntil) {
                        allOperations[client] = succeeded;
                        return Arrays.copyOf(latencies, recorded);
                    }
                    long latency;
                    try {
                        latency = step.run(iteration);
                    } catch (SQLException | RuntimeException failed) {
                        latency = -1;
                        if (failures[client]++ == 0) {
                            System.err.println("client " + client + ": " + failed);
                        }
                    }
                    if (latency >= 0) {
                        succeeded++;
                    }
                    // Only operations that started and ended inside the measured window count.
                    if (startedAt >= measureFrom && System.nanoTime() <= measureUntil && latency >= 0) {
                        if (recorded == latencies.length) {
                            latencies = Arrays.copyOf(latencies, recorded * 2);
                        }
                        latencies[recorded++] = latency;
                    }
                }
            }));
        }
        Thread.sleep(Math.max(0, (measureFrom - warmup.toNanos() / 2 - System.nanoTime()) / 1_000_000));
        milestones.midWarmup().run();
        // The CPU of the measured window alone: warm-up (and the JIT's work in it) left out.
        Thread.sleep(Math.max(0, (measureFrom - System.nanoTime()) / 1_000_000));
        milestones.windowOpens().run();
        CpuTime windowStart = CpuTime.now();
        Thread.sleep(Math.max(0, (measureUntil - System.nanoTime()) / 1_000_000));
        CpuTime windowEnd = CpuTime.now();
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> result : results) {
            all.add(result.get());
        }
        threads.shutdown();
        long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
        return new Rate(merged.length, measure.toNanos() / 1e9, merged, Arrays.stream(failures).sum(),
                Arrays.stream(allOperations).sum(), windowEnd.perCycle(windowStart, Math.max(1, merged.length)));
    }

    /** Sixteen H100s, each behind a root port of its own, in an IOMMU group of its own, with FLR. */
    private static String sixteenGpuHost() {
        StringBuilder yaml = new StringBuilder("""
                hostname: bench-host
                kernel:
                  profile: v11
                devices:
                """);
        for (int gpu = 0; gpu < GPUS_PER_HOST; gpu++) {
            String port = String.format(Locale.ROOT, "0000:00:%02x.0", gpu + 1);
            String bdf = String.format(Locale.ROOT, "0000:%02x:00.0", gpu + 0x20);
            yaml.append(String.format(Locale.ROOT, """
                      - {bdf: %s, id: {vendor: 0x8086, device: 0x352a, class: 0x060400}, driver: pcieport, iommuGroup: %d, reset: {secondaryBusReset: true, slotReset: true}}
                      - {bdf: %s, id: {vendor: 0x10de, device: 0x2330, class: 0x030200}, driver: vfio-pci, iommuGroup: %d, upstreamBridge: %s, reset: {functionReset: true}}
                    """, port, 100 + 2 * gpu, bdf, 101 + 2 * gpu, port));
        }
        return yaml.toString();
    }
}
