package io.vfleet.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/**
 * The settings an application without Spring reads are the ones Spring binds from the same properties:
 * each case is bound both ways and compared, and what Spring would silently drop is refused by name.
 */
class SecuritySettingsTest {

    @Test
    void staticTokensReadAsSpringBindsThem() {
        Map<String, String> properties = properties(
                "spring.profiles.active", "local, demo",
                "vfleet.security.tokens[0].token", "controller-token",
                "vfleet.security.tokens[0].role", "controller",
                "vfleet.security.tokens[1].token", "agent-token",
                "vfleet.security.tokens[1].role", "agent",
                "vfleet.security.tokens[1].node", "gpu-01",
                "vfleet.security.tokens[2].token", "scheduler-token",
                "vfleet.security.tokens[2].role", "orchestrator",
                "vfleet.security.tokens[2].tenant", "acme",
                "vfleet.security.tokens[2].subject", "scheduler");

        SecuritySettings settings = SecuritySettings.read(properties);

        assertThat(settings.properties()).isEqualTo(springBinds(properties));
        assertThat(settings.activeProfiles()).containsExactly("local", "demo");
        assertThat(settings.authenticator().authenticate("agent-token")).isEqualTo(Caller.agentOf("gpu-01"));
        assertThat(settings.authenticator().authenticate("scheduler-token"))
                .isEqualTo(Caller.of("scheduler", Role.ORCHESTRATOR, "acme"));
    }

    @Test
    void anIssuerWithAListOfAudiencesReadsAsSpringBindsIt() {
        Map<String, String> properties = properties(
                "vfleet.security.jwt.issuer-uri", "https://issuer.example/realms/vfleet",
                "vfleet.security.jwt.audiences", "vfleet-api, vfleet-agent",
                "vfleet.security.jwt.role-claim", "realm_access.roles",
                "vfleet.security.jwt.tenant-claim", "vfleet_tenant",
                "vfleet.security.jwt.subject-claim", "preferred_username");

        assertThat(SecuritySettings.read(properties).properties()).isEqualTo(springBinds(properties));
        assertThat(SecuritySettings.read(properties).properties().jwt().audiences()).containsExactly("vfleet-api", "vfleet-agent");
    }

    @Test
    void aKeySetWithIndexedAudiencesReadsAsSpringBindsIt() {
        Map<String, String> properties = properties(
                "vfleet.security.jwt.jwk-set-uri", "https://issuer.example/keys",
                "vfleet.security.jwt.audiences[0]", "vfleet-api",
                "vfleet.security.jwt.audiences[1]", "vfleet-agent");

        assertThat(SecuritySettings.read(properties).properties()).isEqualTo(springBinds(properties));
    }

    @Test
    void noSettingsReadAsNoneAndStopTheApplication() {
        Map<String, String> properties = properties("vfleet.agent.inventory-token", "elsewhere");

        SecuritySettings settings = SecuritySettings.read(properties);

        assertThat(settings.properties()).isEqualTo(springBinds(properties));
        assertThatThrownBy(settings::authenticator).isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("No authentication is configured");
    }

    @Test
    void staticTokensOutsideTheLocalProfileStopTheApplicationAsInSpring() {
        SecuritySettings settings = SecuritySettings.read(properties(
                "vfleet.security.tokens[0].token", "operator-token", "vfleet.security.tokens[0].role", "operator"));

        assertThatThrownBy(settings::authenticator).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("for the local stack only");
    }

    @Test
    void aMisspeltSettingIsRefusedByName() {
        assertThatThrownBy(() -> SecuritySettings.read(properties("vfleet.security.token[0].token", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("vfleet.security.token[0].token: not a security setting");
        assertThatThrownBy(() -> SecuritySettings.read(properties("vfleet.security.jwt.issuer", "https://issuer.example")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("vfleet.security.jwt.issuer: not a security setting");
        assertThatThrownBy(() -> SecuritySettings.read(properties("vfleet.security.tokens[0].scope", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("vfleet.security.tokens[0].scope:");
    }

    @Test
    void aGapInTheTokensIsRefusedAsSpringRefusesIt() {
        Map<String, String> properties = properties(
                "vfleet.security.tokens[0].token", "a", "vfleet.security.tokens[0].role", "operator",
                "vfleet.security.tokens[2].token", "b", "vfleet.security.tokens[2].role", "auditor");

        assertThatThrownBy(() -> SecuritySettings.read(properties)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vfleet.security.tokens[1] is missing, but vfleet.security.tokens[2] is given: a list counts from 0 without gaps");
        assertThatThrownBy(() -> springBinds(properties)).as("Spring refuses it too").isInstanceOf(RuntimeException.class);
    }

    @Test
    void aMalformedIssuerIsRefusedByName() {
        assertThatThrownBy(() -> SecuritySettings.read(properties("vfleet.security.jwt.issuer-uri", "https://issuer example")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("vfleet.security.jwt.issuer-uri: 'https://issuer example' is not a URI");
    }

    private static SecurityProperties springBinds(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties)).bind("vfleet.security", SecurityProperties.class)
                .orElseGet(() -> new SecurityProperties(null, null));
    }

    private static Map<String, String> properties(String... namesAndValues) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (int index = 0; index < namesAndValues.length; index += 2) {
            properties.put(namesAndValues[index], namesAndValues[index + 1]);
        }
        return properties;
    }
}
