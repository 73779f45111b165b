package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildProcessTest {
    private static final String TEST_CLASSES = System.getProperty("java.class.path");

    @TempDir
    Path directory;

    private ChildProcess child(String name, List<String> arguments, List<HealthProbe> probes, Duration timeout) {
        ChildProcess.Spec spec = ChildProcess.Spec.java(name, arguments, Map.of("VFLEET_TEST", "yes"), directory.resolve(name))
                .serving(Map.of(), probes);
        return new ChildProcess(spec, directory.resolve("logs").resolve(name + ".log"), timeout);
    }

    private ChildProcess server(int port) {
        return child("server", List.of("-cp", TEST_CLASSES, TinyHttpServer.class.getName(), Integer.toString(port)),
                List.of(new HealthProbe.HttpAnswer(port)), Duration.ofSeconds(30));
    }

    @Test
    void aChildThatExitsBeforeItIsHealthyFailsTheStartWithItsExitCodeAndLog() {
        ChildProcess child = child("broken", List.of("-cp", TEST_CLASSES, "no.such.MainClass"),
                List.of(new HealthProbe.HttpAnswer(1)), Duration.ofSeconds(30));

        assertThatThrownBy(child::start).isInstanceOf(StackException.class)
                .hasMessageContaining("broken exited with status 1 before it was healthy")
                .hasMessageContaining("no.such.MainClass");
        assertThat(child.exitCode()).contains(1);
    }

    @Test
    void aChildThatNeverBecomesHealthyFailsAfterTheTimeoutSayingWhatItSaw() throws Exception {
        int port = PortPlan.from(0, 0).database();
        ChildProcess child = child("silent", List.of("-cp", TEST_CLASSES, TinyHttpServer.class.getName(), Integer.toString(port)),
                List.of(new HealthProbe.Actuator(port)), Duration.ofSeconds(10));
        try {
            assertThatThrownBy(child::start).isInstanceOf(StackException.class)
                    .hasMessageContaining("silent is not healthy after 10 s")
                    .hasMessageContaining("/actuator/health/readiness answered 200");
        } finally {
            child.kill();
        }
    }

    @Test
    void stopSendsSigtermSoTheChildRunsItsShutdownHooks() throws Exception {
        ChildProcess server = server(PortPlan.from(0, 0).database());
        server.start();
        long pid = server.pid();
        assertThat(ChildProcess.running(pid)).isTrue();

        server.stop();

        assertThat(ProcessHandle.of(pid)).isEmpty();
        assertThat(ChildProcess.running(pid)).isFalse();
        assertThat(server.exitCode()).contains(143);
        assertThat(Files.readString(server.log())).contains("stopped by a signal").contains("serving");
    }

    @Test
    void killEndsTheChildWithoutItsShutdownHooksAndStartRunsItAgainOnTheSamePort() throws Exception {
        int port = PortPlan.from(0, 0).database();
        ChildProcess server = server(port);
        server.start();

        server.kill();

        assertThat(server.isAlive()).isFalse();
        assertThat(server.exitCode()).contains(137);
        assertThat(Files.readString(server.log())).doesNotContain("stopped by a signal");

        server.start();
        try {
            assertThat(server.isAlive()).isTrue();
            assertThat(Files.readString(server.log())).containsSubsequence("serving " + port, "serving " + port);
        } finally {
            server.stop();
        }
    }

    @Test
    void launchingARunningChildTwiceIsRefused() {
        ChildProcess server = server(PortPlan.from(0, 0).database());
        server.start();
        try {
            assertThatThrownBy(server::launch).isInstanceOf(IllegalStateException.class).hasMessageContaining("already running");
        } finally {
            server.stop();
        }
    }
}
