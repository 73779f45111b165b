package io.vfleet.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One application of the stack run as a child process {@code java ...}, with its output appended to a
 * log file of its own. It can be started again after a stop or a kill, with the same command, so a
 * restart keeps its ports and state directory.
 *
 * <p>Each child runs in a session of its own ({@code setsid}), so the terminal's Ctrl-C reaches only
 * the launcher, which then stops the children in reverse order instead of all of them at once.
 */
public final class ChildProcess {
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int LOG_TAIL_LINES = 40;
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    /**
     * What to run: {@code arguments} follow the java executable (JVM options, {@code -jar}, the jar,
     * the application's arguments); {@code environment} is added to the launcher's.
     */
    public record Spec(String name, List<String> arguments, Map<String, String> environment,
            Path workingDirectory, List<HealthProbe> probes) {

        public Spec {
            arguments = List.copyOf(arguments);
            environment = Map.copyOf(environment);
            probes = List.copyOf(probes);
        }
    }

    private final Spec spec;
    private final Path log;
    private final Duration startupTimeout;
    private volatile Process process;

    public ChildProcess(Spec spec, Path log, Duration startupTimeout) {
        this.spec = spec;
        this.log = log;
        this.startupTimeout = startupTimeout;
    }

    public String name() {
        return spec.name();
    }

    public Spec spec() {
        return spec;
    }

    public Path log() {
        return log;
    }

    /** Starts the process and waits until it is healthy. */
    public void start() {
        launch();
        awaitHealthy();
    }

    /** Starts the process without waiting, so that several can come up at once. */
    public synchronized void launch() {
        if (isAlive()) {
            throw new IllegalStateException(name() + " is already running as pid " + process.pid());
        }
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(spec.arguments());
        try {
            Files.createDirectories(spec.workingDirectory());
            Files.createDirectories(log.getParent());
            Files.writeString(log, "---- " + Instant.now() + " starting " + name() + ": " + String.join(" ", command)
                    + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(spec.workingDirectory().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            builder.environment().putAll(spec.environment());
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name(), e);
        }
    }

    /** Waits until every probe passes; fails early, with the end of the log, if the process exits. */
    public void awaitHealthy() {
        Instant deadline = Instant.now().plus(startupTimeout);
        try (HealthCheck check = new HealthCheck()) {
            while (true) {
                Process running = process;
                if (running == null || !running.isAlive()) {
                    throw new StackException(name() + " exited" + (running == null ? "" : " with code " + running.exitValue())
                            + " before it was healthy; the end of " + log + ":" + System.lineSeparator() + logTail());
                }
                Optional<String> problem = check.notReady(spec.probes());
                if (problem.isEmpty()) {
                    return;
                }
                if (Instant.now().isAfter(deadline)) {
                    throw new StackException(name() + " is not healthy after " + startupTimeout.toSeconds() + " s ("
                            + problem.get() + "); the end of " + log + ":" + System.lineSeparator() + logTail());
                }
                sleep(POLL);
            }
        }
    }

    /** SIGTERM, then SIGKILL if the process has not exited within the grace period. */
    public synchronized void stop() {
        Process running = process;
        if (running == null || !running.isAlive()) {
            return;
        }
        running.destroy();
        if (!waitFor(running, STOP_GRACE)) {
            running.destroyForcibly();
            waitFor(running, STOP_GRACE);
        }
    }

    /** SIGKILL, as a crash would end it: no shutdown hooks, nothing saved on the way out. */
    public synchronized void kill() {
        Process running = process;
        if (running == null || !running.isAlive()) {
            return;
        }
        running.destroyForcibly();
        waitFor(running, STOP_GRACE);
    }

    /** Stops the process and starts it again with the same command, waiting until it is healthy. */
    public void restart() {
        stop();
        start();
    }

    public boolean isAlive() {
        Process running = process;
        return running != null && running.isAlive();
    }

    public long pid() {
        Process running = process;
        if (running == null) {
            throw new IllegalStateException(name() + " was never started");
        }
        return running.pid();
    }

    /** The exit code of the last run, empty while it runs or before it ever ran. */
    public Optional<Integer> exitCode() {
        Process running = process;
        return running == null || running.isAlive() ? Optional.empty() : Optional.of(running.exitValue());
    }

    /** The last lines of the log, for messages about a failed start. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    private static boolean waitFor(Process running, Duration timeout) {
        try {
            return running.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !running.isAlive();
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted while waiting for a child process");
        }
    }
}
