package io.vfleet.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StaticTokensTest {

    private static SecurityProperties.StaticToken token(String token, String role, String tenant, String node) {
        return new SecurityProperties.StaticToken(token, role, tenant, node, null);
    }

    @Test
    void eachTokenProvesItsCallerAndAnUnknownOneNothing() {
        StaticTokens tokens = new StaticTokens(List.of(token("t-acme", "orchestrator", "acme", null),
                token("t-node", "agent", null, "gpu-01"), token("t-controller", "controller", null, null)));

        assertThat(tokens.authenticate("t-acme")).satisfies(caller -> {
            assertThat(caller.role()).isEqualTo(Role.ORCHESTRATOR);
            assertThat(caller.tenant()).isEqualTo("acme");
            assertThat(caller.subject()).startsWith("token-").doesNotContain("t-acme");
        });
        assertThat(tokens.authenticate("t-node")).isEqualTo(Caller.agentOf("gpu-01"));
        assertThat(tokens.authenticate("t-controller").role()).isEqualTo(Role.CONTROLLER);
        assertThatThrownBy(() -> tokens.authenticate("t-guessed")).isInstanceOf(Unauthenticated.class)
                .hasMessageNotContaining("t-guessed");
    }

    @Test
    void aTableThatWouldLetAnyoneInWithLessStopsTheApp() {
        assertThatThrownBy(() -> new StaticTokens(List.of(token(" ", "operator", null, null))))
                .hasMessage("vfleet.security.tokens[0].token: must not be empty");
        assertThatThrownBy(() -> new StaticTokens(List.of(token("a", "root", null, null))))
                .hasMessageStartingWith("vfleet.security.tokens[0].role: 'root' is not a role");
        assertThatThrownBy(() -> new StaticTokens(List.of(token("a", "agent", null, null))))
                .hasMessage("vfleet.security.tokens[0].node: an agent's token names the node it acts for");
        assertThatThrownBy(() -> new StaticTokens(List.of(token("a", "auditor", "acme", null))))
                .hasMessage("vfleet.security.tokens[0].tenant: only an orchestrator is scoped to a tenant");
        assertThatThrownBy(() -> new StaticTokens(List.of(token("a", "operator", null, null), token("a", "auditor", null, null))))
                .hasMessage("vfleet.security.tokens[1].token: the same token is configured twice");
    }
}
