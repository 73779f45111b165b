package io.vfleet.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A copy of {@code src/test/resources/sample}: two apps shaped like ours (a web service with an
 * actuator, and a gRPC agent that reads a topology), their Dockerfiles, and deployment files that
 * pass every check, for a test to break one way at a time.
 */
final class SampleRepository {
    private final Path root;

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

    Apps apps() {
        return Apps.of(service(), agent());
    }

    List<String> composeViolations() {
        return ComposeCheck.check(root.resolve("docker-compose.yml"), apps());
    }

    List<String> kubernetesViolations() {
        return KubernetesCheck.check(root.resolve("k8s"), apps());
    }

    /** A web service with an actuator whose probe groups are on, tokens and agent endpoints as ours. */
    App service() {
        KnownKeys keys = KnownKeys.of("vfleet.security.tokens[#].token", "vfleet.security.tokens[#].role",
                "vfleet.agents.endpoints.*", "vfleet.agents.deadline");
        ExecutableJar jar = new ExecutableJar(
                List.of("spring-boot-webmvc-4.1.2.jar", "spring-boot-actuator-autoconfigure-4.1.2.jar"),
                List.of("server.port", "spring.datasource.url", "spring.datasource.password", "management.server.port",
                        "management.endpoint.health.probes.enabled", "management.endpoints.web.exposure.include"));
        keys.addAll(jar.keys());
        return new App("service", "1.0", "service", dockerfile("service"), jar, keys,
                List.of(new Setting(Setting.Source.BUILT_IN, "management.endpoint.health.probes.enabled", "true")));
    }

    /** A gRPC server with no HTTP, whose topology and port have command-line shorthands, as our agent. */
    App agent() {
        KnownKeys keys = KnownKeys.of("vfleet.agent.topology", "vfleet.agent.state-directory", "vfleet.agent.sysfs-root",
                "vfleet.agent.hostname", "vfleet.agent.inventory-token", "vfleet.agent.advertised-endpoint", "topology", "state-dir",
                "grpc-port");
        ExecutableJar jar = new ExecutableJar(List.of("spring-boot-grpc-server-4.1.2.jar", "grpc-services-1.84.1.jar"),
                List.of("spring.grpc.server.port", "spring.main.web-application-type", "spring.config.import", "spring.config.import[#]"));
        keys.addAll(jar.keys());
        return new App("agent", "1.0", "agent", dockerfile("agent"), jar, keys, List.of(
                new Setting(Setting.Source.BUILT_IN, "spring.main.web-application-type", "none"),
                new Setting(Setting.Source.BUILT_IN, "spring.grpc.server.port", "${grpc-port:9090}"),
                new Setting(Setting.Source.BUILT_IN, "vfleet.agent.topology", "${topology:topology.yaml}"),
                new Setting(Setting.Source.BUILT_IN, "vfleet.agent.state-directory", "${state-dir:state}")));
    }

    private Dockerfile dockerfile(String app) {
        try {
            return Dockerfile.parse(Files.readString(root.resolve(app).resolve("Dockerfile")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
