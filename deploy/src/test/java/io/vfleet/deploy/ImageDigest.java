package io.vfleet.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The digest a registry will know an image by, computed from the image's tarball ({@code jib:buildTar}):
 * the SHA-256 of its Docker image manifest (schema 2), which names the config blob and each compressed
 * layer by digest and size. Jib writes the manifest compactly, fields in this order, so the same
 * tarball always gives the digest Jib reports and pushes; Jib's builds are reproducible, so the same
 * sources always give the same tarball.
 */
final class ImageDigest {
    private static final String MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    private static final String CONFIG = "application/vnd.docker.container.image.v1+json";
    private static final String LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    private ImageDigest() {}

    static String of(Path tarball) {
        ObjectMapper json = new ObjectMapper();
        try (TarFile tar = new TarFile(tarball.toFile())) {
            JsonNode saved = json.readTree(read(tar, "manifest.json")).get(0);
            ObjectNode manifest = json.createObjectNode();
            manifest.put("schemaVersion", 2);
            manifest.put("mediaType", MANIFEST);
            manifest.set("config", descriptor(json, CONFIG, tar, saved.get("Config").asString()));
            ArrayNode layers = manifest.putArray("layers");
            for (JsonNode layer : saved.get("Layers")) {
                layers.add(descriptor(json, LAYER, tar, layer.asString()));
            }
            return "sha256:" + HexFormat.of().formatHex(sha256().digest(json.writeValueAsBytes(manifest)));
        } catch (IOException e) {
            throw new UncheckedIOException(tarball + ": " + e.getMessage(), e);
        }
    }

    private static ObjectNode descriptor(ObjectMapper json, String mediaType, TarFile tar, String name) throws IOException {
        MessageDigest digest = sha256();
        long size = 0;
        try (InputStream in = tar.getInputStream(entry(tar, name))) {
            byte[] buffer = new byte[1 << 16];
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                digest.update(buffer, 0, read);
                size += read;
            }
        }
        ObjectNode descriptor = json.createObjectNode();
        descriptor.put("mediaType", mediaType);
        descriptor.put("digest", "sha256:" + HexFormat.of().formatHex(digest.digest()));
        descriptor.put("size", size);
        return descriptor;
    }

    private static byte[] read(TarFile tar, String name) throws IOException {
        try (InputStream in = tar.getInputStream(entry(tar, name))) {
            return in.readAllBytes();
        }
    }

    private static TarArchiveEntry entry(TarFile tar, String name) throws IOException {
        return tar.getEntries().stream().filter(entry -> entry.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IOException("no " + name + " in the image tarball"));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
