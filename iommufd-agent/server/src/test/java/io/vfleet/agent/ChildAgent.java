package io.vfleet.agent;

import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.MetadataUtils;
import io.vfleet.security.tls.TlsFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The agent application in a JVM of its own, from this classpath, on ephemeral loopback ports: a real
 * process that a test can kill and whose resident memory is its alone. It authenticates as the local
 * stack does, with static tokens: {@link #CONTROLLER_TOKEN} for NodeAgent, {@link #OPERATOR_TOKEN}
 * for the metrics and for system calls in any process.
 */
public final class ChildAgent implements AutoCloseable {
    public static final String CONTROLLER_TOKEN = "child-controller-token";
    public static final String OPERATOR_TOKEN = "child-operator-token";

    private final Process process;
    private final int grpcPort;
    private final int httpPort;
    private final Path log;
    /** The agent's TLS directory; null when it serves plaintext. */
    private final Path tls;

    private ChildAgent(Process process, int grpcPort, int httpPort, Path log, Path tls) {
        this.process = process;
        this.grpcPort = grpcPort;
        this.httpPort = httpPort;
        this.log = log;
        this.tls = tls;
    }

    /**
     * Starts the agent on {@code topology} with its state in {@code state} and waits until it serves.
     *
     * @param jvmOptions the child's JVM options (heap, system properties such as failpoints)
     * @param arguments  further application arguments
     */
    public static ChildAgent start(Path topology, Path state, List<String> jvmOptions, List<String> arguments)
            throws IOException, InterruptedException {
        return start(topology, state, jvmOptions, arguments, null);
    }

    /**
     * As {@link #start(Path, Path, List, List)}, serving over TLS with the node's certificate in {@code tls}
     * ({@code vfleet.tls.directory}); null serves plaintext.
     */
    public static ChildAgent start(Path topology, Path state, List<String> jvmOptions, List<String> arguments, Path tls)
            throws IOException, InterruptedException {
        int grpcPort = freePort();
        int httpPort = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.vfleet.agent.AgentApplication",
                "--topology=" + topology, "--state-dir=" + state, "--grpc-port=" + grpcPort, "--http-port=" + httpPort,
                "--spring.grpc.server.address=127.0.0.1", "--server.address=127.0.0.1", "--logging.level.root=WARN",
                "--logging.level.io.vfleet=INFO", "--spring.profiles.active=local",
                "--vfleet.security.tokens[0].token=" + CONTROLLER_TOKEN, "--vfleet.security.tokens[0].role=controller",
                "--vfleet.security.tokens[1].token=" + OPERATOR_TOKEN, "--vfleet.security.tokens[1].role=operator"));
        command.addAll(arguments);
        if (tls != null) {
            command.add("--vfleet.tls.directory=" + tls);
        }
        Files.createDirectories(state);
        Path log = Files.createTempFile(state.getParent(), "agent-", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        ChildAgent agent = new ChildAgent(process, grpcPort, httpPort, log, tls);
        agent.awaitServing();
        return agent;
    }

    public int grpcPort() {
        return grpcPort;
    }

    public int httpPort() {
        return httpPort;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** A call's {@code authorization: Bearer <credential>}: a token, or an assignment's Syscalls credential. */
    public static ClientInterceptor bearer(String credential) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + credential);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** A plaintext channel to the agent's gRPC port. */
    public ManagedChannel channel() {
        return ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    }

    /** SIGKILL, as {@code kill -9}: no shutdown hook runs, nothing is flushed. Returns the exit status (137). */
    public int kill() throws InterruptedException {
        process.destroyForcibly();
        return process.waitFor();
    }

    private void awaitServing() throws IOException, InterruptedException {
        // Health needs no client certificate: the agent checks one only when it is presented.
        ManagedChannel channel = tls == null ? channel() : Grpc.newChannelBuilderForAddress("127.0.0.1", grpcPort,
                TlsChannelCredentials.newBuilder().trustManager(tls.resolve(TlsFiles.AUTHORITIES).toFile()).build()).build();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
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
            throw new IllegalStateException("the agent did not serve within 180 s; see " + log);
        } finally {
            channel.shutdownNow();
        }
    }

    /** Resident memory in kilobytes: {@code VmRSS} and its peak {@code VmHWM}. */
    public record Memory(long rssKilobytes, long peakKilobytes) {
    }

    /** The child's resident memory, from its {@code /proc/<pid>/status}. */
    public Memory memory() throws IOException {
        long rss = 0;
        long peak = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
            } else if (line.startsWith("VmHWM:")) {
                peak = Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return new Memory(rss, peak);
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0)) {
            return probe.getLocalPort();
        }
    }

    /** Stops the agent as an operator would (SIGTERM), or kills it if it does not stop within 30 s. */
    @Override
    public void close() throws InterruptedException {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
        }
    }
}
