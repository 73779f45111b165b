package io.vfleet.engine.coverage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every errno the engine can raise is raised by some test: each {@code Errno.X.exception(...)} or
 * {@code new KernelException(Errno.X, ...)} in the engine's sources must appear in the sites the
 * rest of the suite hit (recorded by {@link ErrnoSiteRecorder}). A new errno rule without a test
 * fails the build here, naming the file and line.
 *
 * <p>Runs in its own Surefire execution after all other tests (see the engine's pom).
 */
class ErrnoCoverageTest {
    private static final Pattern SITE = Pattern.compile("(?:Errno\\.([A-Z0-9]+)\\.exception\\(|new KernelException\\(Errno\\.([A-Z0-9]+))");

    @Test
    void everyErrnoTheEngineRaisesIsRaisedByATest() throws IOException {
        Path hitFile = Path.of(ErrnoSiteRecorder.HIT_FILE);
        assertThat(hitFile).as("the main test run records the sites it hit").exists();
        Set<String> hit = new HashSet<>(Files.readAllLines(hitFile));
        List<String> missing = new ArrayList<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source : sources.filter(path -> path.toString().endsWith(".java")).sorted().toList()) {
                List<String> lines = Files.readAllLines(source);
                for (int index = 0; index < lines.size(); index++) {
                    Matcher matcher = SITE.matcher(lines.get(index));
                    while (matcher.find()) {
                        String errno = matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
                        if (!hitWithinStatement(hit, source.getFileName().toString(), lines, index, errno)) {
                            missing.add(source + ":" + (index + 1) + " " + errno + "   " + lines.get(index).strip());
                        }
                    }
                }
            }
        }
        assertThat(missing).as("errno sites no test reaches (%d)", missing.size()).isEmpty();
    }

    /**
     * A throw that spans several lines is recorded at whichever of them the compiler gave the
     * constructor call, so any line of the statement counts.
     */
    private static boolean hitWithinStatement(Set<String> hit, String file, List<String> lines, int start, String errno) {
        for (int index = start; index < lines.size(); index++) {
            if (hit.contains(file + ":" + (index + 1) + " " + errno)) {
                return true;
            }
            if (lines.get(index).strip().endsWith(";")) {
                return false;
            }
        }
        return false;
    }
}
