package io.vfleet.assignment.benchmark;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.vfleet.api.assignment.v1.AssignRequest;
import io.vfleet.api.assignment.v1.AssignmentState;
import io.vfleet.api.assignment.v1.AssignmentsGrpc;
import io.vfleet.api.assignment.v1.ReleaseRequest;
import io.vfleet.assignment.AssignmentApplication;
import io.vfleet.assignment.adapter.persistence.AuditSequencer;
import io.vfleet.assignment.application.port.Topologies;
import io.vfleet.assignment.support.AssignmentDatabase;
import io.vfleet.assignment.support.FakeNodeAgents;
import io.vfleet.assignment.support.InProcessAgent;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.engine.topology.yaml.TopologyLoader;
import io.vfleet.testsupport.database.TestDatabase;
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
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/**
 * Assign+release cycles per second of the whole service against the rate of single-row-update
 * transactions on the same embedded PostgreSQL, measured in the same run.
 *
 * <p>Four simulated hosts of sixteen GPUs each (every GPU in its own IOMMU group, with a function
 * reset, so that no release leaves a scrub pending) run as real agents on loopback ports; the service
 * runs whole, reaching them over gRPC as in production. Sixteen clients, four per host, each cycle
 * through four GPUs of their own by name over the service's gRPC API: Assign (timed), then Release.
 * Nothing is refused, so the figure is the cost of the work, not of contention. The baseline is
 * sixteen threads, each with its own connection, committing {@code update ... set value = value + 1}
 * on a row of its own, measured before and after the service so that drift shows.
 *
 * <p>The service is measured twice: with the real agents, and with in-memory agents (the tests'
 * fake) so that the service's own cost shows apart from the agents' durable writes. PostgreSQL's
 * commit count gives the database transactions one cycle takes.
 *
 * <p>Options (system properties): {@code warmup} and {@code measure} in seconds (5, 20); {@code clients}
 * (16; 1, 2, 4, 8 or 16) to see how latency grows with concurrency.
 */
public final class AssignmentBenchmark {

    private static final int HOSTS = 4;
    private static final int GPUS_PER_HOST = 16;
    private static final int CLIENTS = Integer.getInteger("clients", 16);
    private static final String TOKEN = "benchmark-operator";

    private AssignmentBenchmark() {}

    /** What one phase of clients did while measured. */
    private record Rate(long operations, double seconds, long[] latenciesNanos, long failures, long allOperations) {

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

    /** One client's loop: {@code step} returns the nanoseconds to record, or -1 for a failed step. */
    @FunctionalInterface
    private interface Step {
        long run(int iteration) throws Exception;
    }

    public static void main(String[] arguments) {
        int status = 1;
        try {
            measure();
            status = 0;
        } catch (Exception | AssertionError failed) {
            failed.printStackTrace();
        }
        // The embedded PostgreSQL and gRPC leave threads behind that would keep the JVM alive.
        System.exit(status);
    }

    private static void measure() throws Exception {
        Duration warmup = Duration.ofSeconds(Long.getLong("warmup", 5));
        Duration measure = Duration.ofSeconds(Long.getLong("measure", 20));
        // The embedded server, whose URL carries its user, on this machine's disk, where Docker may be elsewhere.
        System.setProperty("vfleet.test.embeddedDatabase", "true");
        String jdbcUrl = TestDatabase.connection().url();
        System.out.printf(Locale.ROOT, "embedded PostgreSQL %s; %d clients; warm-up %ds, measured %ds%n", jdbcUrl,
                CLIENTS, warmup.toSeconds(), measure.toSeconds());

        Rate before = baseline(jdbcUrl, warmup, measure);
        long commitsBefore = commits(jdbcUrl);
        Rate service = service(jdbcUrl, warmup, measure, true);
        double commitsPerCycle = (commits(jdbcUrl) - commitsBefore) / (double) service.allOperations();
        Rate withoutAgents = service(jdbcUrl, warmup, measure, false);
        Rate after = baseline(jdbcUrl, warmup, measure);

        double baselineTps = (before.perSecond() + after.perSecond()) / 2;
        System.out.printf(Locale.ROOT, "%nbaseline (single-row update transactions): %.0f/s before, %.0f/s after, mean %.0f/s;"
                + " p50 %.2f ms, p99 %.2f ms%n", before.perSecond(), after.perSecond(), baselineTps,
                before.percentileMillis(0.50), before.percentileMillis(0.99));
        report("service, real agents", service, baselineTps);
        System.out.printf(Locale.ROOT, "  %.1f database commits per cycle: %.0f commits/s = %.3f x baseline%n",
                commitsPerCycle, commitsPerCycle * service.perSecond(), commitsPerCycle * service.perSecond() / baselineTps);
        report("service, in-memory agents (the service's own cost)", withoutAgents, baselineTps);
        System.out.println("targets: cycles/s >= 0.5 x baseline transactions/s; assign p99 <= 20 ms");
    }

    private static void report(String what, Rate rate, double baselineTps) {
        System.out.printf(Locale.ROOT, "%s: %.1f assign+release cycles/s = %.4f x baseline, %d failed;"
                + " assign p50 %.2f ms, p99 %.2f ms%n", what, rate.perSecond(), rate.perSecond() / baselineTps,
                rate.failures(), rate.percentileMillis(0.50), rate.percentileMillis(0.99));
    }

    /** Transactions committed in the database so far, by PostgreSQL's own count. */
    private static long commits(String jdbcUrl) throws Exception {
        // Backends report their counts when idle, at most once a second.
        Thread.sleep(2_000);
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
                Statement statement = connection.createStatement();
                var result = statement.executeQuery(
                        "select xact_commit from pg_stat_database where datname = current_database()")) {
            result.next();
            return result.getLong(1);
        }
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
            return run(steps, warmup, measure);
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
        }
    }

    /** The whole service, reaching real agents over loopback gRPC, or in-memory ones to isolate its own cost. */
    private static Rate service(String jdbcUrl, Duration warmup, Duration measure, boolean realAgents) throws Exception {
        Path state = Files.createTempDirectory("assignment-benchmark");
        HostTopology host = TopologyLoader.parse(sixteenGpuHost(), "bench-host");
        List<InProcessAgent> agents = new ArrayList<>();
        Map<String, String> properties = new HashMap<>();
        // The service on its own role, migrations on the owner's, and the audit log as deployed:
        // checkpoints every minute, the sequencer polling at its default pace.
        properties.put("spring.datasource.url", AssignmentDatabase.jdbcUrl());
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
        for (int index = 0; index < HOSTS; index++) {
            InProcessAgent agent = InProcessAgent.serveOnLoopback(host, state.resolve("host-" + index));
            agents.add(agent);
            properties.put("vfleet.agents.endpoints.bench-" + index, agent.endpoint());
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
        for (int index = 0; index < HOSTS; index++) {
            var topology = agents.get(index).topology("bench-" + index);
            topologies.replace(topology, index + 1);
            if (index == 0) {
                topology.devices().stream().filter(device -> device.assignable()).forEach(device -> gpus.add(device.bdf()));
            }
        }
        if (gpus.size() != GPUS_PER_HOST) {
            throw new IllegalStateException("expected " + GPUS_PER_HOST + " assignable GPUs per host, found " + gpus);
        }
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + TOKEN);
        var stub = AssignmentsGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
        int perHost = Math.max(1, CLIENTS / HOSTS);
        int gpusPerClient = GPUS_PER_HOST / perHost;
        List<Step> steps = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            String node = "bench-" + (client % HOSTS);
            String tenant = "tenant-" + client;
            List<String> own = gpus.subList((client / HOSTS) * gpusPerClient, (client / HOSTS + 1) * gpusPerClient);
            steps.add(iteration -> {
                long start = System.nanoTime();
                var assigned = stub.withDeadlineAfter(30, TimeUnit.SECONDS).assign(AssignRequest.newBuilder()
                        .setTenant(tenant).setNode(node).addDevices(own.get(iteration % own.size())).build());
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
            Rate rate = run(steps, warmup, measure);
            // Where the audit log's share of the time goes: one sequencer round links what committed since the last.
            AuditSequencer sequencer = service.getBean(AuditSequencer.class);
            System.out.printf(Locale.ROOT, "  audit sequencer (warm-up included): %d events linked in %d rounds, %.1f per round%n",
                    sequencer.linked(), sequencer.rounds(), sequencer.linked() / (double) Math.max(1, sequencer.rounds()));
            return rate;
        } finally {
            channel.shutdownNow();
            service.close();
            for (InProcessAgent agent : agents) {
                agent.close();
            }
        }
    }

    private static int freeLoopbackPort() throws java.io.IOException {
        try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Runs every step in a loop on a thread of its own: {@code warmup} unrecorded, then {@code measure} recorded. */
    private static Rate run(List<Step> steps, Duration warmup, Duration measure) throws Exception {
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
        List<long[]> all = new ArrayList<>();
        for (Future<long[]> result : results) {
            all.add(result.get());
        }
        threads.shutdown();
        long[] merged = all.stream().flatMapToLong(Arrays::stream).toArray();
        return new Rate(merged.length, measure.toNanos() / 1e9, merged, Arrays.stream(failures).sum(),
                Arrays.stream(allOperations).sum());
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
