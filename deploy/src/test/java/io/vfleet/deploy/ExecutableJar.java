package io.vfleet.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Spring Boot executable jar, the file each image runs: the libraries it carries
 * ({@code BOOT-INF/lib}) and the settings they declare in {@code META-INF/spring-configuration-metadata.json}.
 * Reading the jar rather than a dependency list means the checks see exactly what the image will.
 * Only Spring's own libraries (and springdoc's) are opened for metadata: reading a library means
 * inflating it up to its metadata, and the PostgreSQL binaries and Hibernate, which declare no
 * settings, would take most of the time.
 */
record ExecutableJar(List<String> libraries, List<String> keys) {

    private static final String METADATA = "META-INF/spring-configuration-metadata.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    static ExecutableJar read(Path jar) {
        List<String> libraries = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry entry : zip.stream().toList()) {
                if (entry.getName().startsWith("BOOT-INF/lib/") && entry.getName().endsWith(".jar")) {
                    String library = entry.getName().substring("BOOT-INF/lib/".length());
                    libraries.add(library);
                    if (library.startsWith("spring")) {
                        try (ZipInputStream in = new ZipInputStream(zip.getInputStream(entry))) {
                            metadataIn(in, keys);
                        }
                    }
                } else if (entry.getName().equals("BOOT-INF/classes/" + METADATA)) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        keys.addAll(keysOf(in.readAllBytes()));
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + jar, e);
        }
        return new ExecutableJar(List.copyOf(libraries), List.copyOf(keys));
    }

    /** Whether a library whose file name starts with {@code artifact} followed by its version is in the jar. */
    boolean has(String artifact) {
        return libraries.stream().anyMatch(library -> library.matches(java.util.regex.Pattern.quote(artifact) + "-\\d.*\\.jar"));
    }

    private static void metadataIn(ZipInputStream library, List<String> keys) throws IOException {
        for (ZipEntry entry = library.getNextEntry(); entry != null; entry = library.getNextEntry()) {
            if (entry.getName().equals(METADATA)) {
                keys.addAll(keysOf(library.readAllBytes()));
                return;
            }
        }
    }

    /** Each declared property; a map may take any key below it, a collection any index. */
    private static List<String> keysOf(byte[] metadata) {
        List<String> keys = new ArrayList<>();
        JsonNode root = JSON.readTree(metadata);
        for (JsonNode property : root.path("properties")) {
            String name = property.path("name").asString();
            String type = property.path("type").asString("");
            keys.add(name);
            if (type.startsWith("java.util.Map")) {
                keys.add(name + ".*");
            } else if (type.startsWith("java.util.List") || type.startsWith("java.util.Set")
                    || type.startsWith("java.util.Collection") || type.endsWith("[]")) {
                keys.add(name + "[#]");
            }
        }
        return keys;
    }
}
