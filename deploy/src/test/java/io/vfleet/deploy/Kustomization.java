package io.vfleet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A directory of Kubernetes manifests as {@code kubectl apply -k} would read it, as far as the checks
 * need: its {@code resources} (files, and directories that are kustomizations themselves, read the same
 * way), its {@code namespace}, the Secrets its {@code secretGenerator} makes (their keys; the files
 * are the operator's), and its {@code images}, which name an image by another name, tag or digest.
 */
final class Kustomization {
    /** Kinds that live in no namespace. */
    private static final Set<String> CLUSTER_KINDS = Set.of("Namespace", "ClusterIssuer", "ClusterRole", "ClusterRoleBinding",
            "CustomResourceDefinition", "StorageClass", "PriorityClass", "PersistentVolume", "CSIDriver");

    /** One object, the file it is in (relative to the checked directory), and the namespace it lands in. */
    record Manifest(String file, Map<String, Object> object, String namespace) {
        String kind() {
            return String.valueOf(object.get("kind"));
        }

        String name() {
            return String.valueOf(map(object.get("metadata")).get("name"));
        }

        /** {@code namespace/name}, or the name alone for a cluster-wide object. */
        String key() {
            return namespace.isEmpty() ? name() : namespace + "/" + name();
        }

        String where() {
            return file + ": " + kind() + " " + name();
        }
    }

    /** A Secret made by a {@code secretGenerator}: its name, namespace and keys. */
    record GeneratedSecret(String name, String namespace, Set<String> keys) {}

    private final List<Manifest> manifests = new ArrayList<>();
    private final List<GeneratedSecret> generatedSecrets = new ArrayList<>();
    private final Map<String, String> images = new LinkedHashMap<>();
    private final Violations violations;

    private Kustomization(Violations violations) {
        this.violations = violations;
    }

    /** The objects {@code directory}'s kustomization.yaml makes; what cannot be read is added to {@code violations}. */
    static Kustomization read(Path directory, Violations violations) {
        Kustomization kustomization = new Kustomization(violations);
        kustomization.load(directory, directory);
        return kustomization;
    }

    List<Manifest> manifests() {
        return List.copyOf(manifests);
    }

    List<GeneratedSecret> generatedSecrets() {
        return List.copyOf(generatedSecrets);
    }

    /**
     * The image a container runs once the kustomization's {@code images} are applied: a digest
     * replaces the tag, as kustomize writes it ({@code vfleet/agent@sha256:...}).
     */
    String image(String reference) {
        String repository = repository(reference);
        String replacement = images.get(repository);
        return replacement == null ? reference : replacement;
    }

    static boolean namespaced(String kind) {
        return !CLUSTER_KINDS.contains(kind);
    }

    /** The image's name without its tag or digest. */
    static String repository(String reference) {
        int at = reference.indexOf('@');
        String withoutDigest = at < 0 ? reference : reference.substring(0, at);
        int slash = withoutDigest.lastIndexOf('/');
        int colon = withoutDigest.lastIndexOf(':');
        return colon > slash ? withoutDigest.substring(0, colon) : withoutDigest;
    }

    private void load(Path root, Path directory) {
        String prefix = root.equals(directory) ? "" : root.relativize(directory) + "/";
        Path file = directory.resolve("kustomization.yaml");
        if (!Files.exists(file)) {
            violations.add(prefix.isEmpty() ? directory.toString() : prefix, "has no kustomization.yaml");
            return;
        }
        Map<String, Object> kustomization = map(ConfigurationFiles.yaml().load(read(file)));
        String namespace = String.valueOf(kustomization.getOrDefault("namespace", ""));
        List<String> resources = list(kustomization.get("resources")).stream().map(String::valueOf).toList();
        int first = manifests.size();
        for (String resource : resources) {
            Path path = directory.resolve(resource).normalize();
            if (Files.isDirectory(path)) {
                load(root, path);
                continue;
            }
            if (!Files.exists(path)) {
                violations.add(prefix + "kustomization.yaml", "lists " + resource + ", which does not exist");
                continue;
            }
            for (Object document : ConfigurationFiles.yaml().loadAll(read(path))) {
                if (document != null) {
                    Map<String, Object> object = map(document);
                    String own = String.valueOf(map(object.get("metadata")).getOrDefault("namespace", ""));
                    manifests.add(new Manifest(prefix + resource, object, namespaced(String.valueOf(object.get("kind"))) ? own : ""));
                }
            }
        }
        for (String yaml : yamlFiles(directory)) {
            if (!yaml.equals("kustomization.yaml") && !resources.contains(yaml)) {
                violations.add(prefix + "kustomization.yaml", "does not list " + yaml);
            }
        }
        for (Object generatorObject : list(kustomization.get("secretGenerator"))) {
            Map<String, Object> generator = map(generatorObject);
            Set<String> keys = new LinkedHashSet<>();
            for (Object source : list(generator.get("files"))) {
                String entry = String.valueOf(source);
                keys.add(entry.contains("=") ? entry.substring(0, entry.indexOf('=')) : Path.of(entry).getFileName().toString());
            }
            for (Object literal : list(generator.get("literals"))) {
                String entry = String.valueOf(literal);
                keys.add(entry.substring(0, Math.max(0, entry.indexOf('='))));
                violations.add(prefix + "kustomization.yaml", "secretGenerator " + generator.get("name") + " ships a value for "
                        + entry.substring(0, Math.max(0, entry.indexOf('='))) + " in the manifests; read it from a file the operator writes");
            }
            String generated = namespace.isEmpty() ? String.valueOf(generator.getOrDefault("namespace", "")) : namespace;
            generatedSecrets.add(new GeneratedSecret(String.valueOf(generator.get("name")), generated, keys));
        }
        if (!namespace.isEmpty()) {
            for (int i = first; i < manifests.size(); i++) {
                Manifest manifest = manifests.get(i);
                if (namespaced(manifest.kind())) {
                    manifests.set(i, new Manifest(manifest.file(), manifest.object(), namespace));
                }
            }
        }
        for (Object imageObject : list(kustomization.get("images"))) {
            Map<String, Object> image = map(imageObject);
            String name = String.valueOf(image.get("name"));
            String newName = String.valueOf(image.getOrDefault("newName", name));
            String replacement = image.get("digest") != null ? newName + "@" + image.get("digest")
                    : image.get("newTag") != null ? newName + ":" + image.get("newTag") : newName;
            // An outer kustomization's images apply to what its bases already renamed.
            images.replaceAll((from, to) -> repository(to).equals(name) ? replacement : to);
            images.putIfAbsent(name, replacement);
        }
    }

    private static List<String> yamlFiles(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(path -> path.getFileName().toString())
                    .filter(name -> name.endsWith(".yaml") || name.endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object value) {
        return value instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
    }

    static List<?> list(Object value) {
        return value instanceof List<?> list ? list : List.of();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
