package io.vfleet.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AppSourcesTest {

    @Test
    void aPropertiesRecordGivesItsComponentsInKebabCaseWithListsOfRecordsAndMaps() {
        String source = """
                @ConfigurationProperties("vfleet.sample")
                public record SampleProperties(@DefaultValue("30s") Duration heartbeatTimeout, Path stateDirectory,
                        List<Token> tokens, Map<String, String> endpoints, List<String> names) {
                    public record Token(String token, String role) {}
                }
                """;

        assertThat(AppSources.keysInJava(source)).containsExactlyInAnyOrder("vfleet.sample.heartbeat-timeout",
                "vfleet.sample.state-directory", "vfleet.sample.tokens[#].token", "vfleet.sample.tokens[#].role",
                "vfleet.sample.endpoints.*", "vfleet.sample.names", "vfleet.sample.names[#]");
    }

    @Test
    void placeholdersAndConditionsAreKeysTheCodeReads() {
        String source = """
                @ConditionalOnProperty(prefix = "vfleet.agent", name = "inventory-target")
                @ConditionalOnProperty(name = "vfleet.x.enabled", havingValue = "true")
                class Sample {
                    Sample(@Value("${vfleet.x.port:0}") int port) {}
                    @Scheduled(fixedDelayString = "${vfleet.x.interval}") void run() {}
                }
                """;

        assertThat(AppSources.keysInJava(source)).containsExactlyInAnyOrder("vfleet.agent.inventory-target",
                "vfleet.x.enabled", "vfleet.x.port", "vfleet.x.interval");
    }

    @Test
    void propertiesOnAClassAreRefusedRatherThanMisread() {
        assertThatThrownBy(() -> AppSources.keysInJava("@ConfigurationProperties(\"x\") class X { int port; }"))
                .hasMessageContaining("not on a record");
    }
}
