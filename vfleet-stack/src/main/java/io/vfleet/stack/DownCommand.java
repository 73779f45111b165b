package io.vfleet.stack;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vfleet down}: sends SIGTERM to the launcher running from a state directory, which stops
 * its processes in reverse order, and waits until it has exited.
 */
@Command(name = "down", mixinStandardHelpOptions = true,
        description = "Stops the stack running from the state directory (SIGTERM to its launcher, which stops every process"
                + " in reverse order) and waits until it has.")
final class DownCommand implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(250);

    @Option(names = "--state-dir", paramLabel = "DIR", defaultValue = ".vfleet", description = "The state directory of the stack (default: ${DEFAULT-VALUE}).")
    Path stateDirectory;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "3m", converter = Durations.class, description = "How long to wait for it to stop (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws InterruptedException {
        Path state = stateDirectory.toAbsolutePath().normalize();
        Optional<Long> launcher = LauncherLock.holder(state);
        if (launcher.isEmpty()) {
            System.out.println("vfleet is not running from " + state + ": nothing to stop");
            return 0;
        }
        System.out.println("Stopping vfleet (SIGTERM to its launcher, pid " + launcher.get() + ")");
        Signal.SIGTERM.send(launcher.get());
        Instant deadline = Instant.now().plus(timeout);
        while (LauncherLock.holder(state).isPresent()) {
            if (Instant.now().isAfter(deadline)) {
                System.out.println("vfleet is still stopping after " + Durations.describe(timeout) + "; see "
                        + state.resolve(Detached.LOG));
                return 1;
            }
            Thread.sleep(POLL);
        }
        System.out.println("vfleet stopped");
        return 0;
    }
}
