package io.vfleet.stack;

import java.io.PrintStream;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A running launcher: holds the state directory's lock, starts the stack, waits until it is healthy
 * and the assignment service knows every node, supervises it, keeps {@code stack.json} current for
 * {@code ./vfleet status}, and stops it in reverse order on SIGINT or SIGTERM (a shutdown hook, which
 * the JVM runs for both), when a process is given up on, or after the self-test.
 */
final class Launcher {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    private final StackSettings settings;
    private final boolean selfTest;
    private final PrintStream out;
    private final Instant startedAt = Instant.now();
    /** Completed with the exit status once the launcher should stop: 0 on a signal, 1 when a process was given up on. */
    private final CompletableFuture<Integer> finished = new CompletableFuture<>();
    /**
     * Writes {@code stack.json}, one change after another, off the threads that report them: the
     * supervisor reports under its lock, and the file is built by asking it.
     */
    private final ExecutorService statusWriter =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("vfleet-status").daemon().factory());
    private volatile StackStatus.Phase phase = StackStatus.Phase.STARTING;
    // Held, never read: a lock that became garbage could have its channel closed, and the lock with it.
    @SuppressWarnings("UnusedVariable")
    private LauncherLock lock;
    private volatile Stack stack;
    private volatile Supervisor supervisor;
    private boolean stopped;

    Launcher(StackSettings settings, boolean selfTest, PrintStream out) {
        this.settings = settings;
        this.selfTest = selfTest;
        this.out = out;
    }

    /** Runs until stopped; the exit status. */
    int run() {
        try {
            // Never released by hand: the kernel drops it when this process ends, which is what ./vfleet down waits for.
            lock = LauncherLock.acquire(settings.stateDirectory());
            stack = Stack.create(settings);
            say("Starting vfleet: " + (settings.externalDatabase().isEmpty() ? "PostgreSQL, " : "")
                    + (settings.jars().inventory().isPresent() ? "inventory-service, " : "") + settings.nodes().size()
                    + (settings.nodes().size() == 1 ? " agent" : " agents")
                    + settings.labHost().map(lab -> " (" + lab.node() + " in the kernel lab's guest, " + lab.kernel().option()
                            + " kernel, under QEMU)").orElse("")
                    + " and assignment-service (logs in " + settings.stateDirectory().resolve("logs") + ")");
            // Installed before anything starts, so that a signal during the start stops what already runs.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                finished.complete(0);
                stop();
            }, "vfleet-stop"));
            writeStatus();
            stack.start();
            supervise();
            say("Every process is healthy; waiting for the assignment service to learn every node from the inventory");
            stack.awaitNodesKnown();
            out.println(stack.describe());
            // Up only now: a launcher started with --detach waits for this, then its caller reads the listing above.
            phase = StackStatus.Phase.UP;
            writeStatus();
            if (selfTest) {
                boolean passed = new SelfTest(stack, this::say).run();
                stop();
                return passed ? 0 : 1;
            }
            say("Ctrl-C or SIGTERM stops everything in reverse order (./vfleet down, for a launcher in the background)");
            int status = finished.join();
            stop();
            return status;
        } catch (StackException e) {
            out.println("vfleet did not start: " + e.getMessage());
            stop();
            return 1;
        }
    }

    private synchronized void supervise() {
        if (stopped) {
            throw new StackException("the stack was stopped while it started");
        }
        supervisor = new Supervisor(stack.processes(), Supervisor.Policy.DEFAULT, new Supervisor.Listener() {
            @Override
            public void said(String line) {
                say(line);
            }

            @Override
            public void changed() {
                writeStatus();
            }

            @Override
            public void gaveUp(ChildProcess child) {
                say("Stopping vfleet: it cannot run without " + child.name());
                finished.complete(1);
            }
        });
        writeStatus();
    }

    /** Stops supervising, then the stack in reverse order; once, whoever asks first (the others wait for it). */
    private synchronized void stop() {
        if (stopped || stack == null) {
            return;
        }
        stopped = true;
        say("Stopping vfleet in reverse order: assignment-service, agents, inventory-service, PostgreSQL");
        phase = StackStatus.Phase.STOPPING;
        writeStatus();
        if (supervisor != null) {
            supervisor.close();
        }
        try {
            stack.close();
            say("vfleet stopped");
        } catch (StackException e) {
            say(e.getMessage());
            for (Throwable cause : e.getSuppressed()) {
                say("  " + cause.getMessage());
            }
        } finally {
            statusWriter.shutdown();
            awaitTermination(statusWriter);
            StackStatus.delete(settings.stateDirectory());
        }
    }

    /** Has {@code stack.json} rewritten with what is true when the writer gets to it. */
    private void writeStatus() {
        try {
            statusWriter.execute(() -> {
                try {
                    StackStatus.of(stack, Optional.ofNullable(supervisor), startedAt, phase).write(settings.stateDirectory());
                } catch (StackException e) {
                    say("warning: " + e.getMessage());
                }
            });
        } catch (RejectedExecutionException stoppedMeanwhile) {
            // The launcher stopped; the file goes with it.
        }
    }

    private static void awaitTermination(ExecutorService executor) {
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void say(String line) {
        out.println(LocalTime.now(ZoneId.systemDefault()).format(CLOCK) + " " + line);
    }
}
