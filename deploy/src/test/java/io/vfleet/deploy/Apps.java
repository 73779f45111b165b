package io.vfleet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The repository's applications, found by their Dockerfiles: each Dockerfile sits in a Maven module
 * whose {@code artifactId} names the app and whose {@code target/<artifactId>-<version>-exec.jar} is
 * what the image copies. What cannot be read that way is a problem the checks report.
 */
record Apps(Map<String, App> byName, List<String> problems) {

    private static final Pattern DEPENDENCY = Pattern.compile("<groupId>io\\.vfleet</groupId>\\s*<artifactId>([\\w.-]+)</artifactId>");
    private static final Pattern ARTIFACT = Pattern.compile("</parent>.*?<artifactId>([^<]+)</artifactId>", Pattern.DOTALL);
    private static final Pattern VERSION = Pattern.compile("<version>([^<]+)</version>");

    static Apps of(App... apps) {
        Map<String, App> byName = new LinkedHashMap<>();
        for (App app : apps) {
            byName.put(app.name(), app);
        }
        return new Apps(byName, List.of());
    }

    static Apps read(Path repository) {
        Map<String, App> byName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path dockerfile : dockerfiles(repository)) {
            Path directory = dockerfile.getParent();
            String where = repository.relativize(dockerfile).toString();
            Path pom = directory.resolve("pom.xml");
            if (!Files.exists(pom)) {
                problems.add(where + ": no pom.xml beside it, so no app to build the image from");
                continue;
            }
            String pomText = readString(pom);
            Matcher artifact = ARTIFACT.matcher(pomText);
            Matcher version = VERSION.matcher(pomText);
            if (!artifact.find() || !version.find()) {
                problems.add(where + ": cannot read the artifactId and version of " + repository.relativize(pom));
                continue;
            }
            String name = artifact.group(1);
            Dockerfile parsed = Dockerfile.parse(readString(dockerfile));
            Path jar = directory.resolve("target/" + name + "-" + version.group(1) + "-exec.jar");
            if (!Files.exists(jar)) {
                problems.add(where + ": " + repository.relativize(jar) + " does not exist; package the app first (./mvnw -B verify)");
                continue;
            }
            copiedJar(parsed, directory, jar).ifPresent(problem -> problems.add(where + ": " + problem));
            KnownKeys keys = new KnownKeys();
            ExecutableJar executable = ExecutableJar.read(jar);
            keys.addAll(executable.keys());
            keys.addAll(AppSources.keys(directory));
            // The project's own libraries the app is built with (service-security's vfleet.security.*).
            Matcher dependency = DEPENDENCY.matcher(pomText);
            while (dependency.find()) {
                Path library = repository.resolve(dependency.group(1));
                if (!library.equals(directory) && Files.isDirectory(library.resolve("src/main/java"))) {
                    keys.addAll(AppSources.keys(library));
                }
            }
            byName.put(name, new App(name, version.group(1), repository.relativize(directory).toString(), parsed,
                    executable, keys, AppSources.builtInSettings(directory)));
        }
        return new Apps(byName, List.copyOf(problems));
    }

    Optional<App> named(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** A problem unless some COPY of the Dockerfile takes the executable jar from the build context (the module). */
    private static Optional<String> copiedJar(Dockerfile dockerfile, Path directory, Path jar) {
        String relative = directory.relativize(jar).toString();
        for (List<String> copy : dockerfile.copies()) {
            for (String source : copy.subList(0, Math.max(0, copy.size() - 1))) {
                if (FileSystems.getDefault().getPathMatcher("glob:" + source).matches(Path.of(relative))) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of("no COPY takes " + relative + ", the jar the module builds");
    }

    private static List<Path> dockerfiles(Path repository) {
        try (Stream<Path> walk = Files.walk(repository, 4)) {
            return walk.filter(path -> path.getFileName().toString().equals("Dockerfile"))
                    .filter(path -> Stream.of("target", ".git", "node_modules")
                            .noneMatch(skipped -> repository.relativize(path).startsWith(skipped)
                                    || repository.relativize(path).toString().contains("/" + skipped + "/")))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
