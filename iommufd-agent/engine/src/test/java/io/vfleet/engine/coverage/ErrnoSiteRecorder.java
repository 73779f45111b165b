package io.vfleet.engine.coverage;

import io.vfleet.engine.KernelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Records, for the whole test run, every place in the engine that raised a {@link KernelException}
 * ({@code File.java:line errno}), and writes them to {@value #HIT_FILE} when the run ends, for
 * {@link ErrnoCoverageTest} to compare with every errno the engine's sources can raise.
 */
public final class ErrnoSiteRecorder implements LauncherSessionListener {
    static final String HIT_FILE = "target/errno-sites-hit.txt";
    private static final StackWalker WALKER = StackWalker.getInstance();
    private final Set<String> hits = ConcurrentHashMap.newKeySet();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        KernelException.observe(exception -> WALKER.walk(frames -> frames
                .filter(frame -> !frame.getClassName().equals(KernelException.class.getName())
                        && !frame.getClassName().equals("io.vfleet.engine.Errno")
                        && !frame.getClassName().startsWith(ErrnoSiteRecorder.class.getName()))
                .findFirst())
                .ifPresent(frame -> hits.add(frame.getFileName() + ":" + frame.getLineNumber() + " " + exception.errno())));
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        KernelException.observe(null);
        if (Boolean.getBoolean("vfleet.errno.skipRecording")) {
            return;
        }
        try {
            Path file = Path.of(HIT_FILE);
            Set<String> all = new TreeSet<>(hits);
            Files.createDirectories(file.getParent());
            Files.write(file, all);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
