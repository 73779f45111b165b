package io.vfleet.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vfleet status}: every process of the stack running from a state directory, its pid, ports
 * and health as probed now, and what the supervisor did with it. Exit status 0 when the stack is up
 * and every process healthy, 1 when something is not, 3 when no launcher runs there.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Shows every process of a running stack: pid, ports, health now, restarts. Exit status 0 when all"
                + " are healthy, 1 when one is not, 3 when vfleet is not running.")
final class StatusCommand implements Callable<Integer> {
    static final int NOT_RUNNING = 3;
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".vfleet", description = "The state directory of the stack (default: ${DEFAULT-VALUE}).")
    Path stateDirectory;

    @Override
    public Integer call() {
        Path state = stateDirectory.toAbsolutePath().normalize();
        Optional<Long> launcher = LauncherLock.holder(state);
        if (launcher.isEmpty()) {
            System.out.println("vfleet is not running from " + state);
            return NOT_RUNNING;
        }
        Optional<StackStatus> status = StackStatus.read(state);
        if (status.isEmpty() || status.get().launcherPid() != launcher.get()) {
            System.out.println("vfleet is starting from " + state + " (launcher pid " + launcher.get() + ")");
            return 1;
        }
        StackStatus stack = status.get();
        System.out.printf("vfleet is %s from %s: launcher pid %d, started %s (%s ago)%n", stack.phase().name().toLowerCase(Locale.ROOT),
                state, stack.launcherPid(), CLOCK.format(stack.startedAt()),
                Durations.describe(Duration.between(stack.startedAt(), Instant.now())));
        System.out.printf("  %-28s %-8s %-28s %s%n", "process", "pid", "ports", "health");
        boolean healthy = stack.phase() == StackStatus.Phase.UP;
        try (HealthCheck check = new HealthCheck()) {
            for (StackStatus.Entry process : stack.processes()) {
                String health = health(process, check);
                healthy &= health.equals("healthy");
                System.out.printf("  %-28s %-8s %-28s %s%n", process.name(), process.pid() == null ? "-" : process.pid(),
                        process.ports().entrySet().stream().map(port -> port.getValue() + " " + port.getKey())
                                .collect(Collectors.joining(", ")), health + supervision(process));
            }
        }
        return healthy ? 0 : 1;
    }

    private static String health(StackStatus.Entry process, HealthCheck check) {
        if (process.pid() == null || !ChildProcess.running(process.pid())) {
            return process.supervision() == Supervisor.State.GAVE_UP ? "stopped: given up on" : "not running";
        }
        return check.notReady(process.probes()).map(problem -> "unhealthy: " + problem).orElse("healthy");
    }

    private static String supervision(StackStatus.Entry process) {
        String state = switch (process.supervision()) {
            case null -> "";
            case RUNNING, GAVE_UP -> "";
            case WAITING -> "; crashed, to be started again";
            case STARTING -> "; starting again";
        };
        if (process.restarts() == 0 && process.lastCrash() == null) {
            return state;
        }
        return state + "; restarted " + process.restarts() + " time" + (process.restarts() == 1 ? "" : "s")
                + (process.lastCrash() == null ? "" : ", last crash at " + CLOCK.format(process.lastCrashAt()) + ": "
                + process.lastCrash());
    }
}
