package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StackStatusTest {

    @TempDir
    Path directory;

    @Test
    void whatTheLauncherWritesStatusReadsBackWithEveryKindOfProbeAndTheOrderOfPorts() {
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("http", 8080);
        ports.put("grpc", 8081);
        StackStatus written = new StackStatus(42, Instant.parse("2026-01-02T03:04:05.678Z"), StackStatus.Phase.UP, List.of(
                new StackStatus.Entry("postgresql", 7L, Map.of("postgresql", 8100),
                        List.of(new HealthProbe.Postgres(8100, "postgres", directory.resolve("postgres.password"))),
                        directory.resolve("logs/postgresql.log"), Supervisor.State.RUNNING, 0, null, null),
                new StackStatus.Entry("assignment-service", 9L, ports,
                        List.of(new HealthProbe.Actuator(8080), new HealthProbe.Grpc(8081),
                                new HealthProbe.Grpc(8081, Optional.of(directory.resolve("tls/launcher"))),
                                new HealthProbe.HttpAnswer(8080)),
                        directory.resolve("logs/assignment-service.log"), Supervisor.State.WAITING, 2,
                        "assignment-service (pid 8) exited with status 137 (SIGKILL) after 3 s", Instant.parse("2026-01-02T03:05:00Z")),
                new StackStatus.Entry("agent-a", null, Map.of(), List.of(), directory.resolve("logs/agent-a.log"), null, 0, null, null)));

        written.write(directory);

        StackStatus read = StackStatus.read(directory).orElseThrow();
        assertThat(read).isEqualTo(written);
        assertThat(List.copyOf(read.processes().get(1).ports().keySet())).containsExactly("http", "grpc");
        assertThat(directory.resolve("stack.json.next")).doesNotExist();
    }

    @Test
    void noFileMeansNoStatusAndDeletingTwiceIsFine() throws Exception {
        assertThat(StackStatus.read(directory)).isEmpty();
        Files.writeString(directory.resolve("stack.json"), "{}");

        StackStatus.delete(directory);
        StackStatus.delete(directory);

        assertThat(StackStatus.read(directory)).isEmpty();
    }
}
