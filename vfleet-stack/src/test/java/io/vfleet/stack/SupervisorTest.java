package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SupervisorTest {
    private static final String CLASS_PATH = System.getProperty("java.class.path");
    /** Short delays so that the tests are quick; a run of ten seconds counts as stable. */
    private static final Supervisor.Policy QUICK = new Supervisor.Policy(Duration.ofMillis(100), Duration.ofSeconds(1),
            Duration.ofSeconds(10), 3);

    @TempDir
    Path directory;

    private final List<String> console = new CopyOnWriteArrayList<>();
    private final CompletableFuture<ChildProcess> gaveUp = new CompletableFuture<>();
    private final Supervisor.Listener listener = new Supervisor.Listener() {
        @Override
        public void said(String line) {
            console.add(line);
        }

        @Override
        public void gaveUp(ChildProcess child) {
            gaveUp.complete(child);
        }
    };
    private ChildProcess child;
    private Supervisor supervisor;

    @AfterEach
    void stop() {
        if (supervisor != null) {
            supervisor.close();
        }
        if (child != null) {
            child.stop();
        }
    }

    private ChildProcess server(int port) {
        List<String> arguments = List.of("-cp", CLASS_PATH, TinyHttpServer.class.getName(), Integer.toString(port));
        ChildProcess.Spec spec = ChildProcess.Spec.java("server", arguments, Map.of(), directory.resolve("server"))
                .serving(Map.of("http", port), List.of(new HealthProbe.HttpAnswer(port)));
        return new ChildProcess(spec, directory.resolve("logs/server.log"), Duration.ofSeconds(30));
    }

    @Test
    void aChildKilledFromOutsideIsStartedAgainOnItsPortAndTheConsoleSaysHowItEndedAndWhereItsLogIs() {
        int port = PortPlan.from(0, 0).database();
        child = server(port);
        child.start();
        long firstPid = child.pid();
        supervisor = new Supervisor(List.of(child), QUICK, listener);

        ProcessHandle.of(firstPid).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(30)).until(() -> supervisor.status(child).state() == Supervisor.State.RUNNING
                && supervisor.status(child).restarts() == 1);
        assertThat(child.pid()).isNotEqualTo(firstPid);
        assertThat(child.isAlive()).isTrue();
        assertThat(new HealthCheck().notReady(List.of(new HealthProbe.HttpAnswer(port)))).isEmpty();
        assertThat(console).hasSize(2);
        assertThat(console.get(0)).startsWith("server (pid " + firstPid + ") exited with status 137 (SIGKILL) after ")
                .contains("starting it again in 100 ms", "(its log: " + directory.resolve("logs/server.log") + ")");
        assertThat(console.get(1)).isEqualTo("server is running again as pid " + child.pid() + " and healthy (restart 1)");
        assertThat(supervisor.status(child).lastCrash()).hasValueSatisfying(crash -> assertThat(crash).contains("137 (SIGKILL)"));
        assertThat(gaveUp).isNotDone();
    }

    @Test
    void aChildThatKeepsCrashingSoonAfterItsStartIsGivenUpOnWithTheEndOfItsLog() throws Exception {
        int port = PortPlan.from(0, 0).database();
        child = server(port);
        child.start();
        supervisor = new Supervisor(List.of(child), QUICK, listener);

        for (int crash = 0; crash < QUICK.fastCrashesToGiveUp(); crash++) {
            int restarts = crash;
            await().atMost(Duration.ofSeconds(30)).until(() -> supervisor.status(child).state() == Supervisor.State.RUNNING
                    && supervisor.status(child).restarts() == restarts);
            crash(port);
        }

        assertThat(gaveUp.get(60, TimeUnit.SECONDS)).isSameAs(child);
        Supervisor.ChildStatus status = supervisor.status(child);
        assertThat(status.state()).isEqualTo(Supervisor.State.GAVE_UP);
        assertThat(status.restarts()).isEqualTo(2);
        assertThat(child.isAlive()).isFalse();
        assertThat(console).hasSize(5);
        assertThat(console.get(0)).contains("exited with status 3 after", "starting it again in 100 ms");
        assertThat(console.get(2)).contains("exited with status 3 after", "starting it again in 200 ms");
        assertThat(console.get(4)).contains("exited with status 3 after",
                "It crashed 3 times in a row, each within 10 s of its start: not starting it again",
                "The end of its log, " + child.log(), "crashing");
    }

    /** Asks the server to crash; the answer never comes, as the process ends while it handles the request. */
    private static void crash(int port) {
        try {
            HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/crash")).build(),
                    HttpResponse.BodyHandlers.discarding());
        } catch (IOException expected) {
            // The connection ends with the process.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
