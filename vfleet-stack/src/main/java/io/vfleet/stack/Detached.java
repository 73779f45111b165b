package io.vfleet.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code ./vfleet up --detach}: starts the launcher again as a process of its own session (no
 * terminal, so no Ctrl-C reaches it; SIGTERM stops it), its output appended to
 * {@code logs/launcher.log}, and follows that log here until the stack is up or the launcher gives
 * up. This process then exits; the launcher runs on.
 */
final class Detached {
    static final String LOG = "logs/launcher.log";
    private static final Duration POLL = Duration.ofMillis(250);

    private Detached() {}

    /** The exit status: 0 once the stack is up in the background, 1 if it did not come up. */
    static int start(Path stateDirectory, List<String> launcherCommand, PrintStream out) {
        Path state = stateDirectory.toAbsolutePath().normalize();
        if (LauncherLock.holder(state).isPresent()) {
            out.println("vfleet already runs from " + state + " (launcher pid " + LauncherLock.holder(state).orElseThrow()
                    + "): ./vfleet status shows it, ./vfleet down stops it");
            return 1;
        }
        StateDirectory.create(state);
        Path log = state.resolve(LOG);
        Process launcher;
        long offset;
        try {
            Files.createDirectories(log.getParent());
            offset = Files.exists(log) ? Files.size(log) : 0;
            List<String> command = new ArrayList<>();
            command.add("setsid");
            command.addAll(launcherCommand);
            launcher = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .start();
        } catch (IOException e) {
            throw new StackException("cannot start the launcher in the background: " + e.getMessage(), e);
        }
        while (true) {
            offset = copyNewLines(log, offset, out);
            boolean up = StackStatus.read(state)
                    .filter(status -> status.launcherPid() == launcher.pid() && status.phase() == StackStatus.Phase.UP)
                    .isPresent();
            if (up) {
                copyNewLines(log, offset, out);
                out.println("vfleet runs in the background as pid " + launcher.pid() + ": ./vfleet status shows it,"
                        + " ./vfleet down (or kill -TERM " + launcher.pid() + ") stops it; its output goes on in " + log);
                return 0;
            }
            if (!launcher.isAlive()) {
                copyNewLines(log, offset, out);
                out.println("the launcher exited with status " + Signal.describeExitStatus(launcher.exitValue())
                        + " before vfleet was up; its output is in " + log);
                return 1;
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
        }
    }

    /** Prints the whole lines written since {@code offset}; the offset after them. */
    private static long copyNewLines(Path log, long offset, PrintStream out) {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            if (file.length() <= offset) {
                return offset;
            }
            byte[] written = new byte[(int) (file.length() - offset)];
            file.seek(offset);
            file.readFully(written);
            String text = new String(written, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n') + 1;
            out.print(text.substring(0, end));
            out.flush();
            return offset + text.substring(0, end).getBytes(StandardCharsets.UTF_8).length;
        } catch (IOException e) {
            return offset;
        }
    }
}
