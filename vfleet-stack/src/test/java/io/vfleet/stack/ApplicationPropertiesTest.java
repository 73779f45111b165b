package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

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
        DemoTokens.addTo(properties, List.of(new DemoTokens.Grant("t1", "agent", "gpu-server-01", null),
                new DemoTokens.Grant("t2", "operator", null, null), new DemoTokens.Grant("t3", "orchestrator", null, "acme")));

        assertThat(properties.arguments()).isEmpty();
        assertThat(properties.environment().get("SPRING_APPLICATION_JSON")).isEqualTo("{"
                + "\"vfleet.security.tokens[0].token\":\"t1\",\"vfleet.security.tokens[0].role\":\"agent\","
                + "\"vfleet.security.tokens[0].node\":\"gpu-server-01\","
                + "\"vfleet.security.tokens[1].token\":\"t2\",\"vfleet.security.tokens[1].role\":\"operator\","
                + "\"vfleet.security.tokens[2].token\":\"t3\",\"vfleet.security.tokens[2].role\":\"orchestrator\","
                + "\"vfleet.security.tokens[2].tenant\":\"acme\"}");
    }

    @Test
    void demoTokensDifferPerRoleTenantAndStart() {
        DemoTokens first = DemoTokens.generate(List.of("a", "b"), List.of("acme", "globex"));
        DemoTokens second = DemoTokens.generate(List.of("a", "b"), List.of("acme", "globex"));

        assertThat(List.of(first.orchestrator(), first.operator(), first.auditor(), first.agents().get("a"),
                first.agents().get("b"), first.controller(), first.tenant("acme"), first.tenant("globex")))
                .doesNotHaveDuplicates();
        assertThat(first.orchestrator()).isNotEqualTo(second.orchestrator()).startsWith("vf-orchestrator-");
        assertThat(first.toString()).doesNotContain(first.orchestrator()).doesNotContain(first.tenant("acme"));
    }

    @Test
    void theAssignmentServiceAcceptsEachDemoTenantsTokenForThatTenantOnlyAndTheInventoryNone() {
        DemoTokens tokens = DemoTokens.generate(List.of("a"), List.of("acme", "globex"));

        assertThat(tokens.assignmentGrants()).contains(new DemoTokens.Grant(tokens.tenant("acme"), "orchestrator", null, "acme"),
                new DemoTokens.Grant(tokens.tenant("globex"), "orchestrator", null, "globex"),
                new DemoTokens.Grant(tokens.orchestrator(), "orchestrator", null, null));
        assertThat(tokens.inventoryGrants()).extracting(DemoTokens.Grant::token)
                .doesNotContain(tokens.tenant("acme"), tokens.tenant("globex"));
        assertThat(List.copyOf(tokens.tenants().keySet())).containsExactly("acme", "globex");
    }

    @Test
    void secretsWithQuotesBackslashesAndNonAsciiTextReadBackAsTheyWere() {
        String password = "p\"w\\\u00e9\u2028\t";
        ApplicationProperties properties = new ApplicationProperties().secret("spring.datasource.password", password);

        JsonNode json = JsonMapper.builder().build().readTree(properties.environment().get("SPRING_APPLICATION_JSON"));
        assertThat(json.get("spring.datasource.password").asString()).isEqualTo(password);
        assertThat(json.size()).isEqualTo(1);
    }
}
