package io.vfleet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
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
 * The repository's applications, found by their builds: each Maven module whose pom declares both
 * the Spring Boot plugin and Jib is one, its {@code artifactId} names the app, Jib writes its image to
 * {@code target/<artifactId>-image.tar} (whose registry digest {@link ImageDigest} computes) and Spring Boot its
 * {@code target/<artifactId>-<version>-exec.jar}.
 * What cannot be read that way is a problem the checks report.
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
        for (Path pom : applicationPoms(repository)) {
            Path directory = pom.getParent();
            String where = repository.relativize(pom).toString();
            String pomText = readString(pom);
            Matcher artifact = ARTIFACT.matcher(pomText);
            Matcher version = VERSION.matcher(pomText);
            if (!artifact.find() || !version.find()) {
                problems.add(where + ": cannot read the artifactId and version");
                continue;
            }
            String name = artifact.group(1);
            Path jar = directory.resolve("target/" + name + "-" + version.group(1) + "-exec.jar");
            Path image = directory.resolve("target/" + name + "-image.tar");
            boolean missing = false;
            for (Path built : List.of(jar, image)) {
                if (!Files.exists(built)) {
                    problems.add(where + ": " + repository.relativize(built) + " does not exist; package the app first (./mvnw -B verify)");
                    missing = true;
                }
            }
            if (missing) {
                continue;
            }
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
            String digest = ImageDigest.of(image);
            Path reported = directory.resolve("target/jib-image.digest");
            if (Files.exists(reported) && !readString(reported).strip().equals(digest)) {
                problems.add(where + ": Jib reports digest " + readString(reported).strip() + " in " + repository.relativize(reported)
                        + ", but the image tarball's manifest has digest " + digest);
            }
            byName.put(name, new App(name, version.group(1), repository.relativize(directory).toString(), Image.read(image),
                    executable, keys, AppSources.builtInSettings(directory), digest));
        }
        return new Apps(byName, List.copyOf(problems));
    }

    Optional<App> named(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    private static List<Path> applicationPoms(Path repository) {
        try (Stream<Path> walk = Files.walk(repository, 4)) {
            return walk.filter(path -> path.getFileName().toString().equals("pom.xml"))
                    .filter(path -> Stream.of("target", ".git", "node_modules")
                            .noneMatch(skipped -> repository.relativize(path).startsWith(skipped)
                                    || repository.relativize(path).toString().contains("/" + skipped + "/")))
                    .filter(path -> {
                        String text = readString(path);
                        return text.contains("<artifactId>jib-maven-plugin</artifactId>")
                                && text.contains("<artifactId>spring-boot-maven-plugin</artifactId>");
                    })
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
