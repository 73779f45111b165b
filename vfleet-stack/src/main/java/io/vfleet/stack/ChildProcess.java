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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One application of the stack run as a child process, with its output appended to a log file of
 * its own. It can be started again after a stop, a kill or a crash, with the same command, so a
 * restart keeps its ports and state directory. Children are started through {@link Spawner}: each
 * in a session of its own, and none outlives the launcher.
 *
 * <p>An exit nobody asked for (not {@link #stop()} nor {@link #kill()}) is a crash: it is told to
 * the {@link #onCrash} listeners, which is how the supervisor learns of it.
 */
public final class ChildProcess {
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final int LOG_TAIL_LINES = 40;

    /**
     * What to run.
     *
     * @param command      the program and its arguments
     * @param environment  added to the launcher's
     * @param ports        what each port it listens on is for ({@code http}, {@code grpc}), for listings
     * @param probes       what "healthy" means for it
     * @param stopSignal   asks it to stop; SIGKILL follows after a grace period
     * @param unprivileged run it in a user namespace where it is not root, when the launcher is root
     */
    public record Spec(String name, List<String> command, Map<String, String> environment, Path workingDirectory,
            Map<String, Integer> ports, List<HealthProbe> probes, Signal stopSignal, boolean unprivileged) {

        public Spec {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
            ports = Collections.unmodifiableMap(new LinkedHashMap<>(ports));
            probes = List.copyOf(probes);
        }

        /** A Java application: {@code arguments} follow this JVM's java executable; SIGTERM stops it. */
        public static Spec java(String name, List<String> arguments, Map<String, String> environment, Path workingDirectory) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(arguments);
            return new Spec(name, command, environment, workingDirectory, Map.of(), List.of(), Signal.SIGTERM, false);
        }

        public Spec serving(Map<String, Integer> ports, List<HealthProbe> probes) {
            return new Spec(name, command, environment, workingDirectory, ports, probes, stopSignal, unprivileged);
        }
    }

    /** How a run ended: its exit status (128 + n for signal n) and how long it had run. */
    public record Exit(ChildProcess child, long pid, int status, Duration ran) {
        public String describe() {
            return child.name() + " (pid " + pid + ") exited with status " + Signal.describeExitStatus(status)
                    + " after " + Durations.describe(ran);
        }
    }

    private final Spec spec;
    private final Path log;
    private final Duration startupTimeout;
    private final List<Consumer<Exit>> crashListeners = new CopyOnWriteArrayList<>();
    private volatile Process process;
    private volatile Instant startedAt;
    /** Set by stop() and kill() before they signal, so that the exit they cause is not taken for a crash. */
    private volatile boolean exitRequested;

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

    /** Called, on a thread of the JVM's, with every exit nobody asked for. */
    public void onCrash(Consumer<Exit> listener) {
        crashListeners.add(listener);
    }

    /** Starts the process and waits until it is healthy. */
    public void start() {
        launch();
        awaitHealthy();
    }

    /** Starts the process without waiting, so that several can come up at once. */
    // Nothing waits for the exit: the crash listeners report what they find, and the future holds no more.
    @SuppressWarnings("FutureReturnValueIgnored")
    public synchronized void launch() {
        if (isAlive()) {
            throw new IllegalStateException(name() + " is already running as pid " + process.pid());
        }
        List<String> command = Spawner.guarded(spec.command(), spec.stopSignal(), spec.unprivileged());
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
            exitRequested = false;
            Process started = Spawner.start(builder);
            Instant at = Instant.now();
            process = started;
            startedAt = at;
            started.onExit().thenAccept(ended -> exited(ended, at));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name(), e);
        }
    }

    private void exited(Process ended, Instant at) {
        // Only the current run's crash counts: a run replaced since by a restart has nothing to say. The very
        // process object started is compared, not an equal one.
        if (exitRequested || !isCurrent(ended)) {
            return;
        }
        Exit exit = new Exit(this, ended.pid(), ended.exitValue(), Duration.between(at, Instant.now()));
        crashListeners.forEach(listener -> listener.accept(exit));
    }

    @SuppressWarnings("ReferenceEquality") // Process has no value equality: the run is the object started.
    private boolean isCurrent(Process ended) {
        return ended == process;
    }

    /** Waits until every probe passes; fails early, with the end of the log, if the process exits. */
    public void awaitHealthy() {
        Instant deadline = Instant.now().plus(startupTimeout);
        try (HealthCheck check = new HealthCheck()) {
            while (true) {
                Process running = process;
                if (running == null || !running.isAlive()) {
                    throw new StackException(name() + " exited"
                            + (running == null ? "" : " with status " + Signal.describeExitStatus(running.exitValue()))
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

    /** The stop signal, then SIGKILL if the process has not exited within the grace period. */
    public synchronized void stop() {
        Process running = process;
        if (running == null || !running.isAlive()) {
            return;
        }
        exitRequested = true;
        spec.stopSignal().send(running.pid());
        if (!waitFor(running, STOP_GRACE)) {
            running.destroyForcibly();
            waitFor(running, STOP_GRACE);
        }
    }

    /** SIGKILL, as a crash would end it: no shutdown hooks, nothing saved on the way out; but asked for. */
    public synchronized void kill() {
        Process running = process;
        if (running == null || !running.isAlive()) {
            return;
        }
        exitRequested = true;
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

    /** When the current (or last) run started; empty before the first. */
    public Optional<Instant> startedAt() {
        return Optional.ofNullable(startedAt);
    }

    /** The exit status of the last run, empty while it runs or before it ever ran. */
    public Optional<Integer> exitCode() {
        Process running = process;
        return running == null || running.isAlive() ? Optional.empty() : Optional.of(running.exitValue());
    }

    /** The last lines of the log, for messages about a failed start. */
    public String logTail() {
        return logTail(LOG_TAIL_LINES);
    }

    public String logTail(int lineCount) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - lineCount), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /**
     * Whether {@code pid} names a running process. A zombie, one that ended and waits to be reaped by
     * whoever adopted it after its parent died, counts as ended (the JDK calls it alive).
     */
    public static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // "pid (command) state ...": the command may hold spaces and parentheses, the state follows the last ')'.
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | IndexOutOfBoundsException gone) {
            return false;
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
