package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ImageCheckTest {

    @TempDir
    Path directory;

    @Test
    void theSampleImagesHaveNoViolations() {
        SampleRepository sample = SampleRepository.copyTo(directory);
        Violations violations = new Violations();

        sample.apps().byName().values().forEach(app -> DeploymentCheck.image(app, violations));

        assertThat(violations.list()).isEmpty();
    }

    static Stream<Arguments> breakages() {
        UnaryOperator<Image> root = image -> image.withUser("0:0");
        UnaryOperator<Image> named = image -> image.withUser("vfleet");
        UnaryOperator<Image> extraPort = image -> image.withExposed(List.of(8080, 9090));
        UnaryOperator<Image> wrongPort = image -> image.withExposed(List.of(8080));
        UnaryOperator<Image> grpcPort = image -> image.withCommand(List.of("--topology=/t.yaml", "--grpc-port=9191"));
        UnaryOperator<Image> unknownArgument = image -> image.withCommand(List.of("--state-directory=/var/lib/agent"));
        UnaryOperator<Image> missingMain = image -> image.withEntrypoint(List.of("java", "-cp", "@/app/jib-classpath-file", "com.example.Missing"));
        UnaryOperator<Image> missingProgram = image -> image.withEntrypoint(List.of("jre/bin/java", "-jar", "/app/app.jar"));
        UnaryOperator<Image> missingArgumentFile = image -> image.withEntrypoint(List.of("java", "@/app/jvm-flags", "-version"));
        UnaryOperator<Image> readOnlyVolume = image -> image.withFile("/var/lib/agent", new Image.FileEntry(true, 0, 0755));
        return Stream.of(
                Arguments.of("service", root, "runs as root"),
                Arguments.of("service", named, "user vfleet is not numeric"),
                Arguments.of("service", extraPort, "exposes [8080, 9090], but service listens on [8080]"),
                Arguments.of("agent", wrongPort, "exposes [8080], but agent listens on [9090]"),
                Arguments.of("agent", grpcPort, "exposes [9090], but agent listens on [9191]"),
                Arguments.of("agent", unknownArgument, "argument --state-directory is not a setting agent reads"),
                Arguments.of("service", missingMain, "the main class com.example.Missing is not in the image"),
                Arguments.of("service", missingProgram, "jre/bin/java is not in the image"),
                Arguments.of("service", missingArgumentFile, "the argument file /app/jvm-flags is not in the image"),
                Arguments.of("agent", readOnlyVolume, "declares volume /var/lib/agent, which user 10001:10001 cannot write"));
    }

    @ParameterizedTest(name = "{2}")
    @MethodSource("breakages")
    void eachBreakageOfASampleImageIsReported(String app, UnaryOperator<Image> change, String violation) {
        SampleRepository sample = SampleRepository.copyTo(directory);
        sample.changeImage(app, change);
        Violations violations = new Violations();

        DeploymentCheck.image(sample.apps().named(app).orElseThrow(), violations);

        assertThat(violations.list()).anySatisfy(found -> assertThat(found).contains(violation));
    }
}
