package io.vfleet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * A copy of {@code src/test/resources/sample}: two apps shaped like ours (a web service with an
 * actuator, and a gRPC agent that reads a topology), their images as Jib builds ours, and deployment
 * files that pass every check, for a test to break one way at a time. The Secrets' files, which the
 * repository never holds, are the operator's and are not needed by the checks.
 */
final class SampleRepository {
    static final String SERVICE_IDENTITY = "spiffe://vfleet/service/sample";
    static final String SERVICE_DIGEST = "sha256:" + "1".repeat(64);
    static final String AGENT_DIGEST = "sha256:" + "2".repeat(64);
    private static final String HEALTH_CHECK_CLASS = "/opt/vfleet/health-check/classes/io/vfleet/healthcheck/HealthCheck.class";

    private final Path root;
    private final Map<String, UnaryOperator<Image>> imageChanges = new HashMap<>();

    private SampleRepository(Path root) {
        this.root = root;
    }

    static SampleRepository copyTo(Path directory) {
        try {
            Path source = Path.of(SampleRepository.class.getResource("/sample").toURI());
            try (Stream<Path> walk = Files.walk(source)) {
                for (Path path : walk.toList()) {
                    Path target = directory.resolve(source.relativize(path).toString());
                    if (Files.isDirectory(path)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(path, target);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        return new SampleRepository(directory);
    }

    Path root() {
        return root;
    }

    /** Replaces the one occurrence of {@code from} in {@code file} with {@code to}. */
    void replace(String file, String from, String to) {
        Path path = root.resolve(file);
        try {
            String text = Files.readString(path);
            if (text.indexOf(from) < 0 || text.indexOf(from) != text.lastIndexOf(from)) {
                throw new IllegalArgumentException(file + " does not hold exactly one " + from);
            }
            Files.writeString(path, text.replace(from, to));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Builds {@code app}'s image changed by {@code change} from now on. */
    void changeImage(String app, UnaryOperator<Image> change) {
        imageChanges.put(app, change);
    }

    Apps apps() {
        return Apps.of(service(), agent());
    }

    List<String> composeViolations() {
        return ComposeCheck.check(root.resolve("docker-compose.yml"), apps());
    }

    List<String> kubernetesViolations() {
        return KubernetesCheck.check(root.resolve("k8s"), apps(), Map.of("service", SERVICE_IDENTITY));
    }

    /** A web service with an actuator whose probe groups are on, tokens and agent endpoints as ours. */
    App service() {
        KnownKeys keys = KnownKeys.of("vfleet.security.tokens[#].token", "vfleet.security.tokens[#].role",
                "vfleet.agents.endpoints.*", "vfleet.agents.deadline", "vfleet.tls.directory", "vfleet.security.jwt.issuer-uri",
                "vfleet.security.jwt.audiences", "vfleet.security.jwt.audiences[#]");
        ExecutableJar jar = new ExecutableJar(
                List.of("spring-boot-webmvc-4.1.2.jar", "spring-boot-actuator-autoconfigure-4.1.2.jar"),
                List.of("server.port", "spring.datasource.url", "spring.datasource.password", "management.server.port",
                        "management.endpoint.health.probes.enabled", "management.endpoints.web.exposure.include",
                        "server.ssl.bundle", "spring.profiles.active", "spring.config.import", "spring.config.import[#]"));
        keys.addAll(jar.keys());
        return new App("service", "1.0", "service", image("service", List.of(8080), List.of(), List.of()), jar, keys,
                List.of(new Setting(Setting.Source.BUILT_IN, "management.endpoint.health.probes.enabled", "true")), SERVICE_DIGEST);
    }

    /** A gRPC server with no HTTP, whose topology and port have command-line shorthands, as our agent. */
    App agent() {
        KnownKeys keys = KnownKeys.of("vfleet.agent.topology", "vfleet.agent.state-directory", "vfleet.agent.sysfs-root",
                "vfleet.agent.hostname", "vfleet.agent.inventory-token", "vfleet.agent.advertised-endpoint", "topology", "state-dir",
                "grpc-port", "vfleet.tls.directory");
        ExecutableJar jar = new ExecutableJar(List.of("spring-boot-grpc-server-4.1.2.jar", "grpc-services-1.84.1.jar"),
                List.of("spring.grpc.server.port", "spring.main.web-application-type", "spring.config.import", "spring.config.import[#]"));
        keys.addAll(jar.keys());
        Image image = image("agent", List.of(9090), List.of("--topology=/etc/vfleet/topology.yaml", "--state-dir=/var/lib/agent"),
                List.of("/var/lib/agent"));
        return new App("agent", "1.0", "agent", image, jar, keys, List.of(
                new Setting(Setting.Source.BUILT_IN, "spring.main.web-application-type", "none"),
                new Setting(Setting.Source.BUILT_IN, "spring.grpc.server.port", "${grpc-port:9090}"),
                new Setting(Setting.Source.BUILT_IN, "vfleet.agent.topology", "${topology:topology.yaml}"),
                new Setting(Setting.Source.BUILT_IN, "vfleet.agent.state-directory", "${state-dir:state}")), AGENT_DIGEST);
    }

    /**
     * An image as Jib builds ours: the Java runtime and the health check of the base image, the app's
     * classes under /app, user 10001, and each volume a directory that user may write.
     */
    private Image image(String app, List<Integer> ports, List<String> command, List<String> volumes) {
        String mainClass = "com.example." + app + ".Application";
        Map<String, Image.FileEntry> files = new TreeMap<>();
        for (String directory : List.of("/", "/app", "/app/classes", "/opt", "/opt/java", "/opt/java/bin", "/tmp")) {
            files.put(directory, new Image.FileEntry(true, 0, 0755));
        }
        for (String file : List.of("/opt/java/bin/java", "/app/jib-classpath-file", HEALTH_CHECK_CLASS,
                "/app/classes/" + mainClass.replace('.', '/') + ".class")) {
            files.put(file, new Image.FileEntry(false, 0, file.contains("/bin/") ? 0755 : 0644));
        }
        volumes.forEach(volume -> files.put(volume, new Image.FileEntry(true, 0, 0777)));
        Image image = new Image("10001:10001", "/app", ports, List.of("java", "-cp", "@/app/jib-classpath-file", mainClass),
                command, volumes, Map.of("PATH", "/opt/java/bin:/usr/bin:/bin"), files);
        return imageChanges.getOrDefault(app, UnaryOperator.identity()).apply(image);
    }
}
