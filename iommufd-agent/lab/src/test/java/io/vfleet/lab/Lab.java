package io.vfleet.lab;

import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * One kernel lab for a test: {@code vfleet-lab up} started as a child process, ready when it says so,
 * stopped by closing its standard input (which stops QEMU), or a lab already running, named by
 * {@code -Dlab.endpoint=host:port}, which the test leaves running.
 *
 * <p>The lab's agent authenticates as every agent does, with the local profile's static tokens: a lab
 * this starts gets fresh random ones for its operator and its controller ({@code VFLEET_LAB_*_TOKEN});
 * a lab already running is called with the ones its script wrote ({@code -Dlab.tokens=file}, by default
 * {@code ~/.cache/vfleet-lab/tokens}).
 */
final class Lab implements AutoCloseable {
    /** The lab's kernels: Debian's stock 6.12 (groups and the type1 container) or the one built with iommufd. */
    enum Kernel {
        STOCK("stock"), IOMMUFD("iommufd");

        final String option;

        Kernel(String option) {
            this.option = option;
        }
    }

    /** Who the suite calls the lab's agent as: NodeAgent is the controller's, system calls in any process an operator's. */
    enum Token {
        OPERATOR("VFLEET_LAB_OPERATOR_TOKEN"), CONTROLLER("VFLEET_LAB_CONTROLLER_TOKEN");

        final String variable;

        Token(String variable) {
            this.variable = variable;
        }
    }

    static final Path DIRECTORY = Path.of("").toAbsolutePath();
    private static final Duration START_LIMIT = Duration.ofMinutes(12);

    final String endpoint;
    final Duration startup;
    private final Map<Token, String> tokens;
    private final Process process;
    private final List<String> output;

    private Lab(String endpoint, Duration startup, Map<Token, String> tokens, Process process, List<String> output) {
        this.endpoint = endpoint;
        this.startup = startup;
        this.tokens = tokens;
        this.process = process;
        this.output = output;
    }

    /** A lab someone else started, with the tokens its script wrote to {@code tokenFile}; the suite only talks to it. */
    static Lab attach(String endpoint, Path tokenFile) {
        Properties written = new Properties();
        try (var reader = Files.newBufferedReader(tokenFile, StandardCharsets.UTF_8)) {
            written.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the lab's tokens from " + tokenFile + " (-Dlab.tokens=)", e);
        }
        Map<Token, String> tokens = new EnumMap<>(Token.class);
        for (Token token : Token.values()) {
            String value = written.getProperty(token.variable);
            if (value == null || value.isBlank()) {
                throw new IllegalStateException(tokenFile + " has no " + token.variable);
            }
            tokens.put(token, value.strip());
        }
        return new Lab(endpoint, Duration.ZERO, tokens, null, List.of());
    }

    /** What this machine lacks to boot {@code kernel}, or empty when it can. */
    static Optional<String> missingPrerequisite(Kernel kernel) {
        if (!onPath("qemu-system-x86_64")) {
            return Optional.of("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)");
        }
        if (!Files.isExecutable(Path.of("/bin/busybox")) || !onPath("cpio")) {
            return Optional.of("busybox-static or cpio is not installed");
        }
        if (kernel == Kernel.IOMMUFD && run("bin/lab-kernel", "iommufd", "--cached-only").isEmpty()) {
            return Optional.of("no cached build of the iommufd kernel (iommufd-agent/lab/bin/lab-kernel iommufd builds it, "
                    + "about 20 minutes on 2 cores)");
        }
        return Optional.empty();
    }

    static Lab start(Kernel kernel) {
        int port = freePort();
        ProcessBuilder builder = new ProcessBuilder("./vfleet-lab", "up", "--kernel=" + kernel.option, "--port=" + port)
                .directory(DIRECTORY.toFile()).redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Map<Token, String> tokens = new EnumMap<>(Token.class);
        SecureRandom random = new SecureRandom();
        for (Token token : Token.values()) {
            byte[] secret = new byte[24];
            random.nextBytes(secret);
            tokens.put(token, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
            builder.environment().put(token.variable, tokens.get(token));
        }
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start vfleet-lab", e);
        }
        List<String> output = new ArrayList<>();
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        Thread.ofPlatform().daemon().start(() -> {
            try {
                for (String line; (line = lines.readLine()) != null; ) {
                    System.out.println("[lab " + kernel.option + "] " + line);
                    synchronized (output) {
                        output.add(line);
                        output.notifyAll();
                    }
                }
            } catch (IOException ignored) {
                // The lab closed its output: it has stopped.
            }
        });
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        synchronized (output) {
            while (output.stream().noneMatch(line -> line.startsWith("lab: agent ready"))) {
                long left = deadline - System.nanoTime();
                if (!process.isAlive() || left <= 0) {
                    process.destroy();
                    throw new IllegalStateException("the " + kernel.option + " lab did not start within " + START_LIMIT
                            + ": " + String.join("\n", output));
                }
                try {
                    output.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left), 1000) + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while the lab started", e);
                }
            }
        }
        return new Lab("127.0.0.1:" + port, Duration.ofNanos(System.nanoTime() - started), tokens, process, output);
    }

    ManagedChannel channel() {
        return ManagedChannelBuilder.forTarget(endpoint).usePlaintext().build();
    }

    /** Calls made with this interceptor are {@code token}'s. */
    ClientInterceptor as(Token token) {
        return bearer(tokens.get(token));
    }

    static ClientInterceptor bearer(String token) {
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(headers);
    }

    /** Stops the lab this started: closing its input stops QEMU; the script then exits. */
    @Override
    public void close() {
        if (process == null) {
            return;
        }
        try {
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (IOException | InterruptedException e) {
            process.destroyForcibly();
        }
        if (process.isAlive()) {
            throw new IllegalStateException("the lab did not stop: " + output);
        }
    }

    boolean running() {
        return process == null || process.isAlive();
    }

    private static boolean onPath(String command) {
        for (String directory : System.getenv().getOrDefault("PATH", "").split(":", -1)) {
            if (Files.isExecutable(Path.of(directory, command))) {
                return true;
            }
        }
        return false;
    }

    /** The command's first output line when it succeeds. */
    private static Optional<String> run(String... command) {
        try {
            Process process = new ProcessBuilder(command).directory(DIRECTORY.toFile()).redirectErrorStream(false).start();
            String first = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return process.waitFor() == 0 && !first.isEmpty() ? Optional.of(first.lines().findFirst().orElseThrow()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
