package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChildrenDoNotOutliveTheLauncherTest {

    @TempDir
    Path directory;

    @Test
    void aLauncherKilledWithSigkillTakesItsChildrenWithItEvenOnesStartedFromAThreadThatEnded() throws Exception {
        Process launcher = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                LauncherStandIn.class.getName(), directory.toString())
                .redirectErrorStream(true).start();
        List<Long> children;
        int databasePort;
        try (BufferedReader output = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            do {
                line = output.readLine();
                assertThat(line).as("the stand-in's output ended before it named its children").isNotNull();
            } while (!line.startsWith("children "));
            String[] words = line.split(" ", -1);
            children = List.of(Long.parseLong(words[1]), Long.parseLong(words[2]));
            databasePort = Integer.parseInt(words[3]);

            assertThat(children).as("alive after the thread that started the server ended").allMatch(ChildProcess::running);
            launcher.destroyForcibly();
            launcher.waitFor();
        } finally {
            launcher.destroyForcibly();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> children.stream().noneMatch(ChildProcess::running));
        assertThat(accepts(databasePort)).as("PostgreSQL's port after its launcher died").isFalse();
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
