package io.vfleet.e2e;

import io.vfleet.stack.AppJars;
import io.vfleet.stack.Stack;
import io.vfleet.stack.StackSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Starts the stack for one test class with the launcher's own process code: the executable jars the
 * build resolved (system properties set by the e2e pom), the default simulated hosts, free ports,
 * and a fresh state directory under {@code e2e/target/e2e/<class>}, whose logs stay for a failed run.
 */
final class StackUnderTest {
    private StackUnderTest() {}

    static Stack start(Class<?> testClass) {
        return start(testClass, UnaryOperator.identity());
    }

    static Stack start(Class<?> testClass, UnaryOperator<StackSettings> adjust) {
        Path projectRoot = Path.of(required("vfleet.e2e.project-root")).toAbsolutePath().normalize();
        AppJars jars = new AppJars(Path.of(required("vfleet.e2e.agent-jar")), Path.of(required("vfleet.e2e.assignment-jar")),
                optional("vfleet.e2e.inventory-jar").map(Path::of));
        Path state = Path.of(required("vfleet.e2e.state-root")).resolve(testClass.getSimpleName());
        deleteRecursively(state);
        return Stack.start(adjust.apply(StackSettings.forTests(projectRoot, jars, state)));
    }

    private static String required(String name) {
        return optional(name).orElseThrow(() -> new IllegalStateException(
                "system property " + name + " is not set: run the e2e tests through Maven (./mvnw -B verify)"));
    }

    /** Unset, or left as an unresolved Maven expression when the build has no such artifact. */
    private static Optional<String> optional(String name) {
        return Optional.ofNullable(System.getProperty(name)).filter(value -> !value.isBlank() && !value.startsWith("${"));
    }

    private static void deleteRecursively(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + directory, e);
        }
    }
}
