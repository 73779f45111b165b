package io.vfleet.deploy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One of the repository's applications as a deployment sees it: the module that builds its image,
 * its version, the image Jib built, the executable jar (the settings its libraries accept), and the
 * settings it reads, and the digest its image has in a registry ({@code builtDigest}, {@code sha256:...}), when known.
 *
 * <p>Ports and health paths are not fixed facts of an app but follow from its settings, so they are
 * asked for with the settings of one deployment ({@link #builtIn()} first, then the deployment's own,
 * lowest precedence first), as Spring Boot would resolve them: {@code server.port} (8080) when the app
 * serves HTTP, {@code spring.grpc.server.port} (9090) when it serves gRPC, {@code management.server.port}
 * when set, and the actuator's health paths, with {@code /liveness} and {@code /readiness} only when
 * {@code management.endpoint.health.probes.enabled} is true.
 */
record App(String name, String version, String directory, Image image, ExecutableJar jar, KnownKeys keys,
           List<Setting> builtIn, String builtDigest) {

    /** Read by the JVM itself, whatever the app. */
    private static final Set<String> JVM_ENVIRONMENT = Set.of("JAVA_TOOL_OPTIONS");

    /** The digest a registry knows the image Jib built by, {@code sha256:<hex>}. */
    Optional<String> digest() {
        return Optional.ofNullable(builtDigest);
    }

    boolean reads(Setting setting) {
        return (setting.source() == Setting.Source.ENVIRONMENT && JVM_ENVIRONMENT.contains(setting.name()))
                || keys.reads(setting);
    }

    /** The settings the app runs with: its own, then {@code deployment}'s. */
    List<Setting> with(List<Setting> deployment) {
        return Stream.concat(builtIn.stream(), deployment.stream()).toList();
    }

    /** The value of {@code key} under {@code settings}, placeholders resolved. */
    static Optional<String> value(String key, List<Setting> settings) {
        return KnownKeys.valueOf(key, settings)
                .map(value -> ConfigurationFiles.resolve(value, placeholder -> KnownKeys.valueOf(placeholder, settings)));
    }

    boolean servesHttp(List<Setting> settings) {
        boolean webLibrary = jar.has("spring-boot-webmvc") || jar.has("spring-boot-webflux");
        return webLibrary && !value("spring.main.web-application-type", settings).orElse("").equalsIgnoreCase("none");
    }

    boolean servesGrpc(List<Setting> settings) {
        return jar.has("spring-boot-grpc-server") && !value("spring.grpc.server.enabled", settings).orElse("true").equals("false");
    }

    /** Whether {@code grpc.health.v1.Health} answers on the gRPC port. */
    boolean servesGrpcHealth(List<Setting> settings) {
        return servesGrpc(settings) && jar.has("grpc-services")
                && !value("spring.grpc.server.health.enabled", settings).orElse("true").equals("false");
    }

    Optional<Integer> httpPort(List<Setting> settings) {
        return servesHttp(settings) ? Optional.of(port("server.port", settings, 8080)) : Optional.empty();
    }

    Optional<Integer> grpcPort(List<Setting> settings) {
        return servesGrpc(settings) ? Optional.of(port("spring.grpc.server.port", settings, 9090)) : Optional.empty();
    }

    /** The port the actuator's endpoints answer on, when the app has an actuator. */
    Optional<Integer> managementPort(List<Setting> settings) {
        if (!jar.has("spring-boot-actuator-autoconfigure") || httpPort(settings).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(port("management.server.port", settings, httpPort(settings).orElseThrow()));
    }

    Set<Integer> ports(List<Setting> settings) {
        Set<Integer> ports = new LinkedHashSet<>();
        httpPort(settings).ifPresent(ports::add);
        grpcPort(settings).ifPresent(ports::add);
        managementPort(settings).ifPresent(ports::add);
        return ports;
    }

    /** The health paths the actuator serves on {@link #managementPort}; none without an actuator. */
    List<String> healthPaths(List<Setting> settings) {
        if (managementPort(settings).isEmpty()) {
            return List.of();
        }
        String include = value("management.endpoints.web.exposure.include", settings).orElse("health");
        if (!include.equals("*") && Stream.of(include.split(",")).map(String::strip).noneMatch("health"::equals)) {
            return List.of();
        }
        String base = value("management.endpoints.web.base-path", settings).orElse("/actuator");
        List<String> paths = new ArrayList<>(List.of(base + "/health"));
        if (value("management.endpoint.health.probes.enabled", settings).orElse("false").equals("true")) {
            paths.add(base + "/health/liveness");
            paths.add(base + "/health/readiness");
        }
        return List.copyOf(paths);
    }

    /** The image name the deployments use for this app: {@code vfleet/<name>:<version>}. */
    String imageName() {
        return "vfleet/" + name + ":" + version;
    }

    private static int port(String key, List<Setting> settings, int fallback) {
        return value(key, settings).map(Integer::parseInt).orElse(fallback);
    }
}
