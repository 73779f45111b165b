package io.vfleet.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.vfleet.stack.ChildProcess;
import io.vfleet.stack.StateDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The launcher as a user runs it, {@code java -jar vfleet-stack-exec.jar} (what {@code ./vfleet}
 * executes), on one simulated host: started in the background, shown by {@code status}, a crashed
 * service restarted, stopped by {@code down}; and killed with SIGKILL, taking every process it
 * started with it.
 */
class LauncherTest {
    private static final Path PROJECT_ROOT = Path.of(System.getProperty("vfleet.e2e.project-root")).toAbsolutePath().normalize();
    private static final Path LAUNCHER = Path.of(System.getProperty("vfleet.e2e.launcher-jar"));
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(6);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Path state;

    private record Run(int status, String output) {}

    @AfterEach
    void stopWhatRuns() throws Exception {
        if (state != null && Files.exists(state.resolve("stack.json"))) {
            Map<String, Long> children = children();
            launcher("down", "--state-dir=" + state);
            children.values().forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    private Run launcher(String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", LAUNCHER.toString()));
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile("launcher", ".out");
        try {
            Process process = new ProcessBuilder(command).directory(PROJECT_ROOT.toFile()).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", arguments) + " did not finish in " + COMMAND_TIMEOUT
                        + ":\n" + Files.readString(output));
            }
            return new Run(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.delete(output);
        }
    }

    /** Starts a stack of one simulated host in the background; the launcher's pid. */
    private long upInTheBackground(String name) throws Exception {
        state = Path.of(System.getProperty("vfleet.e2e.state-root")).resolve(name);
        StateDirectory.delete(state);
        Run up = launcher("up", "--detach", "--project-root=" + PROJECT_ROOT, "--state-dir=" + state, "--port-base=0",
                "--topology=" + PROJECT_ROOT.resolve("deploy/topologies/workstation-gpu-audio.yaml"));
        assertThat(up.status()).as(up.output()).isZero();
        assertThat(up.output()).contains("vfleet is up", "orchestrator for acme", "orchestrator for globex",
                "vfleet runs in the background as pid");
        return JSON.readTree(state.resolve("stack.json").toFile()).get("launcherPid").asLong();
    }

    /** Each process of the stack by name, with its pid, as the launcher's stack.json has it now. */
    private Map<String, Long> children() throws IOException {
        Map<String, Long> children = new LinkedHashMap<>();
        for (JsonNode process : JSON.readTree(state.resolve("stack.json").toFile()).get("processes")) {
            children.put(process.get("name").asString(), process.get("pid").asLong());
        }
        return children;
    }

    private String launcherLog() throws IOException {
        return Files.readString(state.resolve("logs/launcher.log"));
    }

    @Test
    void aStackInTheBackgroundIsShownByStatusRestartsACrashedServiceAndStopsInReverseOrderOnDown() throws Exception {
        long launcherPid = upInTheBackground("LauncherTest-down");
        Map<String, Long> children = children();
        assertThat(children.keySet()).containsExactly("postgresql", "inventory-service", "agent-workstation-07", "assignment-service");

        Run status = launcher("status", "--state-dir=" + state);
        assertThat(status.status()).as(status.output()).isZero();
        assertThat(status.output()).contains("vfleet is up from " + state + ": launcher pid " + launcherPid);
        children.forEach((name, pid) -> assertThat(status.output()).containsPattern(name + " +" + pid + " .* healthy"));

        long crashed = children.get("assignment-service");
        ProcessHandle.of(crashed).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofMinutes(4)).pollInterval(Duration.ofSeconds(1))
                .until(() -> launcherLog().contains("assignment-service is running again as pid"));
        assertThat(launcherLog()).contains("assignment-service (pid " + crashed + ") exited with status 137 (SIGKILL) after ",
                "starting it again in 1 s (its log: " + state.resolve("logs/assignment-service.log") + ")");
        long restarted = children().get("assignment-service");
        assertThat(restarted).isNotEqualTo(crashed);
        Run afterCrash = launcher("status", "--state-dir=" + state);
        assertThat(afterCrash.status()).as(afterCrash.output()).isZero();
        assertThat(afterCrash.output()).containsPattern("assignment-service +" + restarted + " .* healthy; restarted 1 time, last crash at");

        Run down = launcher("down", "--state-dir=" + state);
        assertThat(down.status()).as(down.output()).isZero();
        assertThat(down.output()).contains("Stopping vfleet (SIGTERM to its launcher, pid " + launcherPid + ")", "vfleet stopped");
        assertThat(ChildProcess.running(launcherPid)).isFalse();
        assertThat(state.resolve("stack.json")).doesNotExist();
        assertThat(List.of(children.get("postgresql"), children.get("inventory-service"), children.get("agent-workstation-07"), restarted))
                .noneMatch(ChildProcess::running);
        assertThat(launcherLog()).containsSubsequence("Stopping vfleet in reverse order", "vfleet stopped");
        Run stopped = launcher("status", "--state-dir=" + state);
        assertThat(stopped.status()).as(stopped.output()).isEqualTo(3);
        assertThat(stopped.output()).contains("vfleet is not running from " + state);
    }

    @Test
    void aLauncherKilledWithSigkillTakesEveryProcessItStartedWithIt() throws Exception {
        long launcherPid = upInTheBackground("LauncherTest-sigkill");
        Map<String, Long> children = children();
        assertThat(children.values()).hasSize(4).allMatch(ChildProcess::running);

        ProcessHandle.of(launcherPid).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofMinutes(1)).until(() -> children.values().stream().noneMatch(ChildProcess::running));
        Run status = launcher("status", "--state-dir=" + state);
        assertThat(status.status()).as(status.output()).isEqualTo(3);
        Run down = launcher("down", "--state-dir=" + state);
        assertThat(down.status()).as(down.output()).isZero();
        assertThat(down.output()).contains("nothing to stop");
    }
}
