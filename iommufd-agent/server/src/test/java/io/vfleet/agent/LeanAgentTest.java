package io.vfleet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lean entry point's options and settings, and that it refuses to start unsafe before it touches a kernel. */
class LeanAgentTest {
    @TempDir
    Path directory;

    @Test
    void optionsAreNamedValues() {
        assertThat(LeanAgent.options(new String[] {"--backend=linux", "--topology=sysfs", "--config=/etc/vfleet/agent.properties"}))
                .containsEntry("backend", "linux").containsEntry("topology", "sysfs")
                .containsEntry("config", "/etc/vfleet/agent.properties");
    }

    @Test
    void anUnknownOptionIsRefusedByName() {
        assertThatThrownBy(() -> LeanAgent.options(new String[] {"--http-port=8081"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--http-port is not an option");
        assertThatThrownBy(() -> LeanAgent.options(new String[] {"sysfs"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'sysfs' is not an option --name=value");
    }

    @Test
    void aSecretOnTheCommandLineIsRefusedWithWhereItGoes() {
        for (String option : List.of("--inventory-token=t", "--vfleet.security.tokens[0].token=t", "--caller-tokens=t")) {
            assertThatThrownBy(() -> LeanAgent.options(new String[] {option})).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not an option of the lean agent");
        }
        assertThatThrownBy(() -> LeanAgent.options(new String[] {"--inventory-token=t"})).hasMessageContaining("--config=");
    }

    @Test
    void withoutAuthenticationItDoesNotStartAndLeavesNoState() {
        Path state = directory.resolve("state");

        assertThatThrownBy(() -> LeanAgent.start(engineOn(state)))
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("No authentication is configured")
                .hasMessageContaining("--config=");
        assertThat(state).doesNotExist();
    }

    @Test
    void staticTokensOutsideTheLocalProfileDoNotStart() throws IOException {
        Path config = config("vfleet.security.tokens[0].token=operator-token", "vfleet.security.tokens[0].role=operator");
        Path state = directory.resolve("state");

        assertThatThrownBy(() -> LeanAgent.start(engineOn(state, "--config=" + config)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("for the local stack only");
        assertThat(state).doesNotExist();
    }

    @Test
    void aSettingTheConfigDoesNotTakeIsRefusedWithTheFileAndName() throws IOException {
        Path outside = config("spring.profiles.active=local", "vfleet.agent.topology=elsewhere.yaml");
        Path misspelt = config("spring.profiles.active=local", "vfleet.security.token[0].token=operator-token");

        assertThatThrownBy(() -> LeanAgent.start(engineOn(directory.resolve("state"), "--config=" + outside)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(outside + ": vfleet.agent.topology is not a setting of the lean agent's --config; it takes "
                        + "spring.profiles.active, vfleet.security.*, vfleet.agent.inventory-token");
        assertThatThrownBy(() -> LeanAgent.start(engineOn(directory.resolve("state"), "--config=" + misspelt)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--config: vfleet.security.token[0].token: not a security setting");
    }

    @Test
    void theLinuxBackendNeedsTheTopologyOfTheHostItRunsOn() {
        assertThatThrownBy(() -> new AgentProperties("linux", "deploy/topologies/gpu-server-8x.yaml", null, null, null, null,
                null, null, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--topology=sysfs");
        assertThatThrownBy(() -> new AgentProperties("qemu", "sysfs", null, null, null, null, null, null, null))
                .hasMessageContaining("vfleet.agent.backend: 'qemu' is neither engine nor linux");
    }

    private String[] engineOn(Path state, String... more) {
        List<String> arguments = new ArrayList<>(List.of("--backend=engine",
                "--topology=" + AgentApplicationTest.AgentHostsPath.shipped("gpu-server-8x"), "--state-dir=" + state,
                "--grpc-port=0"));
        arguments.addAll(List.of(more));
        return arguments.toArray(String[]::new);
    }

    private Path config(String... lines) throws IOException {
        return Files.write(Files.createTempFile(directory, "agent", ".properties"), List.of(lines));
    }
}
