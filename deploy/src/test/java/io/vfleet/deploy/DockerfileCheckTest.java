package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DockerfileCheckTest {

    @TempDir
    Path directory;

    @Test
    void theSampleDockerfilesHaveNoViolations() {
        SampleRepository sample = SampleRepository.copyTo(directory);
        Violations violations = new Violations();

        sample.apps().byName().values().forEach(app -> DeploymentCheck.dockerfile(app, violations));

        assertThat(violations.list()).isEmpty();
    }

    @Test
    void aDockerfileIsReadWithItsContinuationsAndExecForms() {
        Dockerfile dockerfile = Dockerfile.parse("""
                # comment
                FROM eclipse-temurin:25-jre
                RUN a \\
                    && b
                WORKDIR /app
                COPY --chown=1:1 target/x-*-exec.jar /app/app.jar
                EXPOSE 8080 9090/tcp
                HEALTHCHECK --interval=5s \\
                    CMD ["curl", "-f", "http://localhost:8080/actuator/health"]
                CMD --topology=/t.yaml --state-dir=/s
                """);

        assertThat(dockerfile.from()).isEqualTo("eclipse-temurin:25-jre");
        assertThat(dockerfile.workingDirectory()).isEqualTo("/app");
        assertThat(dockerfile.copies()).containsExactly(java.util.List.of("target/x-*-exec.jar", "/app/app.jar"));
        assertThat(dockerfile.exposed()).containsExactly(8080, 9090);
        assertThat(dockerfile.healthCheck()).contains(java.util.List.of("curl", "-f", "http://localhost:8080/actuator/health"));
        assertThat(dockerfile.command()).containsExactly("--topology=/t.yaml", "--state-dir=/s");
    }

    static Stream<Arguments> breakages() {
        return Stream.of(
                Arguments.of("service", "FROM eclipse-temurin:25-jre", "FROM eclipse-temurin:21-jre", "starts from eclipse-temurin:21-jre"),
                Arguments.of("service", "USER 10001:10001", "USER root", "runs as root"),
                Arguments.of("service", "USER 10001:10001", "USER vfleet", "USER vfleet is not numeric"),
                Arguments.of("service", "EXPOSE 8080", "EXPOSE 8080 9090", "EXPOSEs [8080, 9090], but service listens on [8080]"),
                Arguments.of("agent", "EXPOSE 9090", "EXPOSE 8080", "EXPOSEs [8080], but agent listens on [9090]"),
                Arguments.of("agent", "--state-dir=/var/lib/agent", "--grpc-port=9191",
                        "EXPOSEs [9090], but agent listens on [9191]"),
                Arguments.of("agent", "--state-dir=/var/lib/agent", "--state-directory=/var/lib/agent",
                        "argument --state-directory is not a setting agent reads"),
                Arguments.of("agent", "/dev/tcp/localhost/9090", "/dev/tcp/localhost/8080", "TCP connection to :8080"),
                Arguments.of("service", "/actuator/health/readiness", "/actuator/health/ready", "is not one of service's health paths"));
    }

    @ParameterizedTest(name = "{3}")
    @MethodSource("breakages")
    void eachBreakageOfASampleDockerfileIsReported(String app, String from, String to, String violation) {
        SampleRepository sample = SampleRepository.copyTo(directory);
        sample.replace(app + "/Dockerfile", from, to);
        Violations violations = new Violations();

        DeploymentCheck.dockerfile(sample.apps().named(app).orElseThrow(), violations);

        assertThat(violations.list()).anySatisfy(found -> assertThat(found).contains(violation));
    }
}
