package io.vfleet.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LeanAgentTest {

    @Test
    void optionsAreNamedValues() {
        assertThat(LeanAgent.options(new String[] {"--backend=linux", "--topology=sysfs", "--caller-tokens=a,b"}))
                .containsEntry("backend", "linux").containsEntry("topology", "sysfs").containsEntry("caller-tokens", "a,b");
    }

    @Test
    void anUnknownOptionIsRefusedByName() {
        assertThatThrownBy(() -> LeanAgent.options(new String[] {"--http-port=8081"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--http-port is not an option");
        assertThatThrownBy(() -> LeanAgent.options(new String[] {"sysfs"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'sysfs' is not an option --name=value");
    }

    @Test
    void theLinuxBackendNeedsTheTopologyOfTheHostItRunsOn() {
        assertThatThrownBy(() -> new AgentProperties("linux", "deploy/topologies/gpu-server-8x.yaml", null, null, null, null,
                null, null, null, null)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--topology=sysfs");
        assertThatThrownBy(() -> new AgentProperties("qemu", "sysfs", null, null, null, null, null, null, null, null))
                .hasMessageContaining("vfleet.agent.backend: 'qemu' is neither engine nor linux");
    }
}
