package io.vfleet.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vfleet.agent.grpc.SyscallsAccess;
import io.vfleet.agent.grpc.SyscallsService;
import io.vfleet.agent.state.AgentHost;
import io.vfleet.agent.state.StateJournal;
import io.vfleet.agent.vmm.Preparations;
import io.vfleet.api.agent.v1.GetTopologyRequest;
import io.vfleet.api.agent.v1.GetTopologyResponse;
import io.vfleet.api.agent.v1.NodeAgentGrpc;
import io.vfleet.api.agent.v1.SyscallsGrpc;
import io.vfleet.engine.topology.HostTopology;
import io.vfleet.lab.Scenarios.Paths;
import io.vfleet.lab.Scenarios.Scenario;
import io.vfleet.security.SecurityProperties;
import io.vfleet.security.StaticTokens;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The same uAPI scenarios through the agent's {@code Syscalls} against the engine and against a real
 * kernel in the lab, scenario by scenario: agreement, or a difference that {@link KnownDifferences}
 * explains. The engine boots the topology the lab's agent read from the guest's sysfs, so both
 * kernels have the same devices, groups, reset sets and configuration.
 *
 * <p>Each lab kernel boots once for its scenarios. A machine without QEMU, or without the cached
 * iommufd kernel build, skips that kernel with the reason; CI installs QEMU, so there the stock kernel
 * always runs. The report, scenario by scenario with both transcripts of every difference, is written
 * to {@code target/lab/differential-<kernel>.md}, and the counts are printed.
 */
class DifferentialConformanceTest {

    @ParameterizedTest
    @EnumSource(Lab.Kernel.class)
    void theEngineAnswersAsTheLabsKernel(Lab.Kernel kernel, @TempDir Path scratch) throws Exception {
        String endpoint = System.getProperty("lab.endpoint", "");
        String kernels = System.getProperty("lab.kernels", "stock,iommufd");
        skipUnless(List.of(kernels.split(",")).contains(kernel.option), kernel, "-Dlab.kernels=" + kernels + " leaves it out");
        if (endpoint.isBlank()) {
            Optional<String> missing = Lab.missingPrerequisite(kernel);
            skipUnless(missing.isEmpty(), kernel, "this machine cannot run it: " + missing.orElse(""));
        }
        try (Lab lab = endpoint.isBlank() ? Lab.start(kernel)
                : Lab.attach(endpoint, Path.of(System.getProperty("lab.tokens", System.getProperty("user.home") + "/.cache/vfleet-lab/tokens")))) {
            ManagedChannel labChannel = lab.channel();
            try {
                GetTopologyResponse topology = NodeAgentGrpc.newBlockingStub(labChannel).withInterceptors(lab.as(Lab.Token.CONTROLLER))
                        .withDeadlineAfter(2, TimeUnit.MINUTES).getTopology(GetTopologyRequest.getDefaultInstance());
                boolean iommufd = topology.getKernel().getVfioDeviceCdev();
                assumeTrue(endpoint.isBlank() || iommufd == (kernel == Lab.Kernel.IOMMUFD),
                        "the lab at " + endpoint + " runs the other kernel");
                Report report = run(kernel, topology,
                        SyscallsGrpc.newBlockingStub(labChannel).withInterceptors(lab.as(Lab.Token.OPERATOR)), iommufd, scratch);
                report.write(lab.startup);
                System.out.println(report.summary());
                assertThat(report.undocumented()).as("differences neither fixed nor documented (see %s)", report.file()).isEmpty();
                assertThat(report.stale()).as("documented differences that no longer differ").isEmpty();
                assertThat(report.agreements()).as("scenarios that agree").isPositive();
            } finally {
                labChannel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A skip says so on the build's output, not only in the test report. */
    private static void skipUnless(boolean runs, Lab.Kernel kernel, String why) {
        if (!runs) {
            System.out.println("SKIPPED: the differential suite on the " + kernel.option + " lab kernel: " + why);
        }
        assumeTrue(runs, "the " + kernel.option + " lab kernel: " + why);
    }

    /**
     * Each call to the lab's kernel gets its own deadline: a guest under TCG on a busy machine is slow, and
     * a deadline over a whole scenario would fail a slow but working scenario rather than a hung call.
     */
    private static final ClientInterceptor EACH_CALL_WITHIN = new ClientInterceptor() {
        @Override
        public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
            return next.newCall(method, options.withDeadlineAfter(3, TimeUnit.MINUTES));
        }
    };

    private static Report run(Lab.Kernel kernel, GetTopologyResponse topology, SyscallsGrpc.SyscallsBlockingStub lab,
            boolean iommufd, Path scratch) throws Exception {
        HostTopology hostTopology = RemoteTopology.of(topology);
        LabDevices devices = LabDevices.of(topology);
        Report report = new Report(kernel);
        for (Scenario scenario : Scenarios.all()) {
            if (scenario.paths() == Paths.IOMMUFD && !iommufd) {
                continue;
            }
            Path state = Files.createTempDirectory(scratch, "engine");
            try (EngineAgent engine = new EngineAgent(hostTopology, state)) {
                Caller onEngine = new Caller(engine.syscalls);
                Caller onLab = new Caller(lab.withInterceptors(EACH_CALL_WITHIN));
                scenario.body().accept(onEngine, devices);
                scenario.body().accept(onLab, devices);
                report.add(scenario, onEngine.transcript(), onLab.transcript());
            }
        }
        return report;
    }

    /**
     * An agent on the engine, in process, serving {@code Syscalls} over the lab's topology behind the same
     * authorization as the lab's agent: the calls are an operator's, which reach every process.
     */
    private static final class EngineAgent implements AutoCloseable {
        private static final String OPERATOR_TOKEN = "engine-operator";
        final SyscallsGrpc.SyscallsBlockingStub syscalls;
        private final StateJournal journal;
        private final Server server;
        private final ManagedChannel channel;

        EngineAgent(HostTopology topology, Path state) throws IOException {
            journal = StateJournal.open(state, 50_000);
            AgentHost host = AgentHost.start(topology, journal);
            SyscallsAccess access = new SyscallsAccess(new Preparations(host, journal),
                    new StaticTokens(List.of(new SecurityProperties.StaticToken(OPERATOR_TOKEN, "operator", null, null, null))));
            String name = InProcessServerBuilder.generateName();
            server = InProcessServerBuilder.forName(name).directExecutor()
                    .addService(ServerInterceptors.intercept(new SyscallsService(host, new SimpleMeterRegistry()), access))
                    .build().start();
            channel = InProcessChannelBuilder.forName(name).directExecutor().build();
            syscalls = SyscallsGrpc.newBlockingStub(channel).withInterceptors(Lab.bearer(OPERATOR_TOKEN));
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow();
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            journal.close();
        }
    }

    /** Scenario by scenario, what each kernel answered, and the counts. */
    private static final class Report {
        private final Lab.Kernel kernel;
        private final List<String> lines = new ArrayList<>();
        private final List<String> undocumented = new ArrayList<>();
        private final List<String> stale = new ArrayList<>();
        private int scenarios;
        private int agreements;
        private int documented;

        Report(Lab.Kernel kernel) {
            this.kernel = kernel;
        }

        void add(Scenario scenario, List<String> engine, List<String> lab) {
            scenarios++;
            String key = kernel.option + "/" + scenario.name();
            String explanation = KnownDifferences.DOCUMENTED.get(key);
            boolean agree = engine.equals(lab);
            lines.add("## " + scenario.name() + ": " + (agree ? "agree" : explanation != null ? "documented difference" : "DIFFERENT"));
            lines.add("");
            lines.add("From: " + scenario.source() + ". " + lab.size() + " calls.");
            lines.add("");
            if (agree) {
                agreements++;
                if (explanation != null) {
                    stale.add(key);
                }
            } else {
                if (explanation != null) {
                    documented++;
                    lines.add("Why: " + explanation);
                    lines.add("");
                } else {
                    undocumented.add(key);
                }
                lines.add("| # | engine | kernel |");
                lines.add("|---|---|---|");
                for (int index = 0; index < Math.max(engine.size(), lab.size()); index++) {
                    String onEngine = index < engine.size() ? engine.get(index) : "";
                    String onLab = index < lab.size() ? lab.get(index) : "";
                    lines.add("| " + (index + 1) + (onEngine.equals(onLab) ? "" : " **≠**") + " | `" + onEngine + "` | `" + onLab + "` |");
                }
                lines.add("");
            }
        }

        Path file() {
            return Path.of("target/lab/differential-" + kernel.option + ".md").toAbsolutePath();
        }

        void write(Duration startup) {
            List<String> out = new ArrayList<>();
            out.add("# Differential conformance: engine against the " + kernel.option + " lab kernel");
            out.add("");
            out.add(summary() + (startup.isZero() ? "" : " Lab up in " + startup.toSeconds() + " s."));
            out.add("");
            out.addAll(lines);
            try {
                Files.createDirectories(file().getParent());
                Files.write(file(), out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String summary() {
            return "Differential " + kernel.option + ": " + scenarios + " scenarios run on the engine and on the kernel, "
                    + agreements + " agree, " + documented + " documented differences, " + undocumented.size()
                    + " undocumented" + (undocumented.isEmpty() ? "" : " " + undocumented) + ".";
        }

        int agreements() {
            return agreements;
        }

        List<String> undocumented() {
            return undocumented;
        }

        List<String> stale() {
            return stale;
        }
    }
}
