package io.vfleet.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarFile;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What a container of an image runs as, read from the image's tarball ({@code docker save} format, as
 * {@code jib:buildTar} writes it): its user, working directory, exposed ports, entry point and command,
 * volumes and environment, and every path its layers leave in the file system with its owner and mode.
 */
record Image(String user, String workingDirectory, List<Integer> exposed, List<String> entrypoint, List<String> command,
             List<String> volumes, Map<String, String> environment, Map<String, FileEntry> files) {

    /** A path in the image's file system: a directory or not, its owner and its permission bits. */
    record FileEntry(boolean directory, int owner, int mode) {
        boolean writableBy(int user) {
            return user == 0 || (owner == user && (mode & 0200) != 0) || (mode & 0002) != 0;
        }
    }

    /** The paths of each layer read so far, by its file name (its digest): the base image's are in every image. */
    private static final Map<String, Map<String, FileEntry>> LAYERS = new ConcurrentHashMap<>();

    static Image read(Path tarball) {
        ObjectMapper json = new ObjectMapper();
        try (TarFile tar = new TarFile(tarball.toFile())) {
            Map<String, TarArchiveEntry> entries = new HashMap<>();
            tar.getEntries().forEach(entry -> entries.put(entry.getName(), entry));
            JsonNode manifest = json.readTree(read(tar, entries, "manifest.json")).get(0);
            JsonNode config = json.readTree(read(tar, entries, manifest.get("Config").asString())).get("config");
            Map<String, FileEntry> files = new TreeMap<>();
            for (JsonNode layer : manifest.get("Layers")) {
                Map<String, FileEntry> paths = LAYERS.get(layer.asString());
                if (paths == null) {
                    paths = layer(tar, entries, layer.asString());
                    LAYERS.put(layer.asString(), paths);
                }
                files.putAll(paths);
            }
            return new Image(text(config, "User").orElse("root"), text(config, "WorkingDir").orElse("/"),
                    config.path("ExposedPorts").propertyNames().stream()
                            .map(port -> Integer.parseInt(port.replaceAll("/(tcp|udp)$", ""))).toList(),
                    strings(config.path("Entrypoint")), strings(config.path("Cmd")),
                    List.copyOf(config.path("Volumes").propertyNames()), environment(config.path("Env")), files);
        } catch (IOException e) {
            throw new UncheckedIOException(tarball + ": " + e.getMessage(), e);
        }
    }

    Image withUser(String changed) {
        return new Image(changed, workingDirectory, exposed, entrypoint, command, volumes, environment, files);
    }

    Image withExposed(List<Integer> changed) {
        return new Image(user, workingDirectory, changed, entrypoint, command, volumes, environment, files);
    }

    Image withEntrypoint(List<String> changed) {
        return new Image(user, workingDirectory, exposed, changed, command, volumes, environment, files);
    }

    Image withCommand(List<String> changed) {
        return new Image(user, workingDirectory, exposed, entrypoint, changed, volumes, environment, files);
    }

    Image withFile(String path, FileEntry entry) {
        Map<String, FileEntry> changed = new TreeMap<>(files);
        changed.put(path, entry);
        return new Image(user, workingDirectory, exposed, entrypoint, command, volumes, environment, changed);
    }

    /** The numeric user id the container runs as, if the image names its user by number. */
    Optional<Integer> userId() {
        String id = user.split(":", -1)[0];
        return id.chars().allMatch(Character::isDigit) && !id.isEmpty() ? Optional.of(Integer.parseInt(id)) : Optional.empty();
    }

    /** The file {@code program} runs, resolved as the kernel and the shell-less exec form do: through the image's PATH. */
    Optional<String> executable(String program) {
        if (program.startsWith("/")) {
            return has(program) ? Optional.of(program) : Optional.empty();
        }
        for (String directory : environment.getOrDefault("PATH", "").split(":", -1)) {
            String candidate = directory + "/" + program;
            if (!directory.isEmpty() && files.containsKey(candidate) && !files.get(candidate).directory()) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * Why the image cannot run {@code command} (exec form), if it cannot: a program it does not have,
     * an argument file ({@code @file}) it does not have, or a Java main class after {@code -cp} it does not have.
     */
    Optional<String> problemRunning(List<String> command) {
        if (command.isEmpty()) {
            return Optional.of("runs nothing");
        }
        if (executable(command.getFirst()).isEmpty()) {
            return Optional.of(command.getFirst() + " is not in the image (PATH " + environment.getOrDefault("PATH", "") + ")");
        }
        for (int i = 1; i < command.size(); i++) {
            String argument = command.get(i);
            if (argument.startsWith("@") && !has(argument.substring(1))) {
                return Optional.of("the argument file " + argument.substring(1) + " is not in the image");
            }
            boolean classPath = argument.equals("-cp") || argument.equals("-classpath") || argument.equals("--class-path");
            if (classPath && i + 2 < command.size()) {
                String mainClass = command.get(i + 2);
                String classFile = "/" + mainClass.replace('.', '/') + ".class";
                if (files.keySet().stream().noneMatch(path -> path.endsWith(classFile))) {
                    return Optional.of("the main class " + mainClass + " is not in the image");
                }
                break;
            }
        }
        return Optional.empty();
    }

    boolean has(String path) {
        return files.containsKey(path);
    }

    private static Map<String, FileEntry> layer(TarFile tar, Map<String, TarArchiveEntry> entries, String name) throws IOException {
        Map<String, FileEntry> files = new HashMap<>();
        try (InputStream compressed = tar.getInputStream(entry(entries, name));
             TarArchiveInputStream layer = new TarArchiveInputStream(new GZIPInputStream(compressed))) {
            for (TarArchiveEntry entry = layer.getNextEntry(); entry != null; entry = layer.getNextEntry()) {
                String path = "/" + entry.getName().replaceFirst("^\\./", "").replaceFirst("/$", "");
                files.put(path.equals("/") ? "/" : path, new FileEntry(entry.isDirectory(), (int) entry.getLongUserId(),
                        entry.getMode() & 07777));
            }
        }
        return files;
    }

    private static byte[] read(TarFile tar, Map<String, TarArchiveEntry> entries, String name) throws IOException {
        try (InputStream in = tar.getInputStream(entry(entries, name))) {
            return in.readAllBytes();
        }
    }

    private static TarArchiveEntry entry(Map<String, TarArchiveEntry> entries, String name) throws IOException {
        TarArchiveEntry entry = entries.get(name);
        if (entry == null) {
            throw new IOException("no " + name + " in the image tarball");
        }
        return entry;
    }

    private static Optional<String> text(JsonNode config, String field) {
        JsonNode value = config.get(field);
        return value == null || value.isNull() || value.asString().isEmpty() ? Optional.empty() : Optional.of(value.asString());
    }

    private static List<String> strings(JsonNode array) {
        List<String> strings = new ArrayList<>();
        array.forEach(value -> strings.add(value.asString()));
        return List.copyOf(strings);
    }

    private static Map<String, String> environment(JsonNode variables) {
        Map<String, String> environment = new LinkedHashMap<>();
        variables.forEach(variable -> {
            String[] parts = variable.asString().split("=", 2);
            environment.put(parts[0], parts.length > 1 ? parts[1] : "");
        });
        return environment;
    }
}
