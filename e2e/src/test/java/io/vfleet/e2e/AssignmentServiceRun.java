package io.vfleet.e2e;

import io.vfleet.stack.ChildProcess;
import io.vfleet.stack.Stack;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run of the stack's assignment service with settings of the test's own (a failpoint armed,
 * periodic reconciliation off): the stack's own command, ports, database and log, with those
 * settings in place of the stack's. The stack's own process is stopped while such runs go; the test
 * starts it again when it is done with them.
 */
final class AssignmentServiceRun implements AutoCloseable {
    /** What the service prints, on standard output and so in its log, when a request parks at a failpoint. */
    private static final String PARKED = "vfleet failpoint parked: ";

    private final ChildProcess process;
    private final long logStart;

    private AssignmentServiceRun(ChildProcess process, long logStart) {
        this.process = process;
        this.logStart = logStart;
    }

    /** Stops the stack's assignment service and starts it with {@code settings} instead, waiting until it is healthy. */
    static AssignmentServiceRun start(Stack stack, Map<String, String> settings) {
        ChildProcess own = stack.assignment();
        own.stop();
        List<String> command = new ArrayList<>();
        for (String argument : own.spec().command()) {
            if (settings.keySet().stream().noneMatch(name -> argument.startsWith("--" + name + "="))) {
                command.add(argument);
            }
        }
        settings.forEach((name, value) -> command.add("--" + name + "=" + value));
        ChildProcess.Spec spec = new ChildProcess.Spec(own.name(), command, own.spec().environment(),
                own.spec().workingDirectory(), own.spec().ports(), own.spec().probes(), own.spec().stopSignal(),
                own.spec().unprivileged());
        ChildProcess process = new ChildProcess(spec, own.log(), stack.settings().timing().startupTimeout());
        long logStart = size(own.log());
        process.start();
        return new AssignmentServiceRun(process, logStart);
    }

    /** Waits until the run says a request parked at {@code point}: the window the test aims at is hit. */
    void awaitParked(String point, Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (logSinceStart().lines().anyMatch(line -> line.equals(PARKED + point))) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for failpoint " + point, interrupted);
            }
        }
        throw new AssertionError("no request parked at failpoint " + point + " within " + timeout
                + "; the end of the log:\n" + process.logTail());
    }

    /** SIGKILL, as a crash ends it. */
    void kill() {
        process.kill();
    }

    @Override
    public void close() {
        process.stop();
    }

    private String logSinceStart() {
        try {
            byte[] log = Files.readAllBytes(process.log());
            return new String(log, (int) Math.min(logStart, log.length), (int) Math.max(0, log.length - logStart),
                    StandardCharsets.UTF_8);
        } catch (IOException failed) {
            throw new UncheckedIOException(failed);
        }
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : 0;
        } catch (IOException failed) {
            throw new UncheckedIOException(failed);
        }
    }
}
