package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApplicationPropertiesTest {

    @Test
    void plainSettingsGoOnTheCommandLineAndSecretsOnlyInTheEnvironment() {
        ApplicationProperties properties = new ApplicationProperties()
                .set("server.port", "8080")
                .secret("spring.datasource.password", "s3cret");

        assertThat(properties.arguments()).containsExactly("--server.port=8080");
        assertThat(properties.environment())
                .containsExactly(Map.entry("SPRING_APPLICATION_JSON", "{\"spring.datasource.password\":\"s3cret\"}"));
    }

    @Test
    void noSecretsMeansNoEnvironment() {
        assertThat(new ApplicationProperties().set("a", "b").environment()).isEmpty();
    }

    @Test
    void jsonEscapesQuotesBackslashesAndControlCharacters() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("a\"b", "c\\d\ne\u0001");

        assertThat(ApplicationProperties.json(values)).isEqualTo("{\"a\\\"b\":\"c\\\\d\\ne\\u0001\"}");
    }

    @Test
    void everyFieldOfATokenIsASecretSoThatTheListBindsFromOneSource() {
        ApplicationProperties properties = new ApplicationProperties();
        DemoTokens.addTo(properties, List.of(new DemoTokens.Grant("t1", "agent", "gpu-server-01"),
                new DemoTokens.Grant("t2", "operator", null)));

        assertThat(properties.arguments()).isEmpty();
        assertThat(properties.environment().get("SPRING_APPLICATION_JSON")).isEqualTo("{"
                + "\"vfleet.security.tokens[0].token\":\"t1\",\"vfleet.security.tokens[0].role\":\"agent\","
                + "\"vfleet.security.tokens[0].node\":\"gpu-server-01\","
                + "\"vfleet.security.tokens[1].token\":\"t2\",\"vfleet.security.tokens[1].role\":\"operator\"}");
    }

    @Test
    void demoTokensDifferPerRoleAndPerStart() {
        DemoTokens first = DemoTokens.generate(List.of("a", "b"));
        DemoTokens second = DemoTokens.generate(List.of("a", "b"));

        assertThat(List.of(first.orchestrator(), first.operator(), first.auditor(), first.agents().get("a"),
                first.agents().get("b"), first.controller())).doesNotHaveDuplicates();
        assertThat(first.orchestrator()).isNotEqualTo(second.orchestrator()).startsWith("vf-orchestrator-");
        assertThat(first.toString()).doesNotContain(first.orchestrator());
    }
}
