package io.vfleet.stack;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.stream.Stream;

/**
 * Starts the launcher's children so that none outlives it, even when it is killed with SIGKILL and
 * runs no shutdown hook. Linux delivers a chosen signal to a process whose parent dies
 * ({@code PR_SET_PDEATHSIG}); util-linux's {@code setpriv --pdeathsig} sets it and then executes the
 * child's command, so the child is the same process. Two traps of that mechanism shape this class:
 * <ul>
 *   <li>The "parent" is the thread that forked, not the process: a child started from a thread
 *       that later ends is signalled then. Every child is therefore started from one thread that
 *       lives as long as the launcher.</li>
 *   <li>A parent that dies between the fork and {@code prctl} leaves the child orphaned with nothing
 *       set. After setting it, a shell checks that its parent is still the launcher, and exits
 *       otherwise, before it executes the command.</li>
 * </ul>
 * Each child also runs in a session of its own ({@code setsid}), so the terminal's Ctrl-C reaches
 * only the launcher, which stops the children in reverse order rather than all at once.
 */
final class Spawner {
    /** Checks the parent after {@code prctl}, then becomes the command. {@code $1} is the launcher's pid. */
    private static final String PARENT_CHECK = "[ \"$PPID\" = \"$1\" ] || exit 70; shift; exec \"$@\"";

    private static final Optional<Path> SETSID = onPath("setsid");
    private static final Optional<Path> SETPRIV = onPath("setpriv");
    private static final Optional<Path> UNSHARE = onPath("unshare");

    private static final BlockingQueue<Request> REQUESTS = new LinkedBlockingQueue<>();

    static {
        Thread thread = new Thread(Spawner::serve, "vfleet-spawner");
        thread.setDaemon(true);
        thread.start();
        if (SETPRIV.isEmpty()) {
            System.err.println("warning: setpriv (util-linux) is not installed: children of a launcher that is killed"
                    + " with SIGKILL keep running");
        }
    }

    private record Request(ProcessBuilder builder, CompletableFuture<Process> started) {}

    private Spawner() {}

    /**
     * {@code command} wrapped so that it runs in a session of its own and receives
     * {@code onParentDeath} when the launcher dies; with {@code asUnprivileged}, and the launcher
     * running as root, inside a user namespace where it is not root (PostgreSQL refuses to run as root).
     */
    static List<String> guarded(List<String> command, Signal onParentDeath, boolean asUnprivileged) {
        List<String> guarded = new ArrayList<>();
        SETSID.ifPresent(setsid -> guarded.add(setsid.toString()));
        if (asUnprivileged) {
            guarded.addAll(unprivileged());
        }
        if (SETPRIV.isPresent()) {
            guarded.addAll(List.of(SETPRIV.get().toString(), "--pdeathsig=" + onParentDeath.shortName(), "--",
                    "/bin/sh", "-c", PARENT_CHECK, "vfleet-child", Long.toString(ProcessHandle.current().pid())));
        }
        guarded.addAll(command);
        return guarded;
    }

    /** {@code unshare --user} when this process is root, as PostgreSQL's tools refuse to run as root; else nothing. */
    static List<String> unprivileged() {
        if (!runningAsRoot()) {
            return List.of();
        }
        Path unshare = UNSHARE.orElseThrow(() -> new StackException(
                "PostgreSQL does not run as root, and unshare (util-linux) is not installed to run it in a user namespace"));
        return List.of(unshare.toString(), "--user");
    }

    /** Starts the process from the one thread every child is started from. */
    static Process start(ProcessBuilder builder) throws IOException {
        Request request = new Request(builder, new CompletableFuture<>());
        REQUESTS.add(request);
        try {
            return request.started().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot start " + builder.command(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + builder.command(), e);
        }
    }

    /** Never returns, and never lets an exception end the thread: its end would signal every child. */
    private static void serve() {
        while (true) {
            Request request;
            try {
                request = REQUESTS.take();
            } catch (InterruptedException e) {
                continue;
            }
            try {
                request.started().complete(request.builder().start());
            } catch (Throwable e) {
                request.started().completeExceptionally(e);
            }
        }
    }

    private static boolean runningAsRoot() {
        try (Stream<String> status = Files.lines(Path.of("/proc/self/status"))) {
            // "Uid:\treal\teffective\tsaved\tfilesystem"
            return status.filter(line -> line.startsWith("Uid:")).findFirst()
                    .map(line -> line.split("\\s+", -1)[2].equals("0")).orElse(false);
        } catch (IOException e) {
            return false;
        }
    }

    static Optional<Path> onPath(String program) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("") + File.pathSeparator + "/usr/bin:/bin";
        return Stream.of(path.split(File.pathSeparator)).filter(directory -> !directory.isEmpty())
                .map(directory -> Path.of(directory, program)).filter(Files::isExecutable).findFirst();
    }
}
