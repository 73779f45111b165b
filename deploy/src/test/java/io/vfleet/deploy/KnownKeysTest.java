package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class KnownKeysTest {
    private final KnownKeys keys = KnownKeys.of("vfleet.agent.state-directory", "vfleet.security.tokens[#].role",
            "vfleet.agents.endpoints.*", "grpc-port", "VFLEET_INVENTORY_DB_URL");

    @Test
    void anEnvironmentVariableMatchesTheKeyWithItsDashesDropped() {
        assertThat(keys.reads(Setting.environment("VFLEET_AGENT_STATEDIRECTORY", "/s"))).isTrue();
        assertThat(keys.reads(Setting.environment("VFLEET_AGENT_STATE", "/s"))).isFalse();
    }

    @Test
    void aListIndexMatchesDigitsOnlyInEveryForm() {
        assertThat(keys.reads(Setting.environment("VFLEET_SECURITY_TOKENS_12_ROLE", "operator"))).isTrue();
        assertThat(keys.reads(Setting.argument("--vfleet.security.tokens[0].role=operator").orElseThrow())).isTrue();
        assertThat(keys.reads(Setting.environment("VFLEET_SECURITY_TOKENS_X_ROLE", "operator"))).isFalse();
        assertThat(keys.reads(Setting.environment("VFLEET_SECURITY_TOKENS_0_RULE", "operator"))).isFalse();
    }

    @Test
    void aMapTakesAnyKeyButNeedsOne() {
        assertThat(keys.reads(Setting.argument("--vfleet.agents.endpoints.gpu-server-01=a:9090").orElseThrow())).isTrue();
        assertThat(keys.reads(Setting.argument("--vfleet.agents.endpoints=a:9090").orElseThrow())).isFalse();
    }

    @Test
    void aPlaceholderNameMatchesItselfAndItsEnvironmentSpelling() {
        assertThat(keys.reads(Setting.argument("--grpc-port=9191").orElseThrow())).isTrue();
        assertThat(keys.reads(Setting.environment("GRPC_PORT", "9191"))).isTrue();
        assertThat(keys.reads(Setting.environment("VFLEET_INVENTORY_DB_URL", "jdbc:x"))).isTrue();
        assertThat(keys.reads(Setting.environment("VFLEET_INVENTORY_DB_URI", "jdbc:x"))).isFalse();
    }

    @Test
    void theValueOfAKeyIsTheOneOfHighestPrecedence() {
        List<Setting> settings = List.of(new Setting(Setting.Source.BUILT_IN, "server.port", "8080"),
                Setting.environment("SERVER_PORT", "8181"), Setting.argument("--server.port=8282").orElseThrow());

        assertThat(KnownKeys.valueOf("server.port", settings)).contains("8282");
        assertThat(KnownKeys.valueOf("server.port", settings.subList(0, 2))).contains("8181");
    }
}
