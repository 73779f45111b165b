package io.vfleet.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationsTest {

    @Test
    void optionsTakeTheServicesUnitsOrIso8601() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void anythingElseIsRefusedWithAnExample() {
        assertThatThrownBy(() -> Durations.parse("30 seconds")).isInstanceOf(CommandLine.TypeConversionException.class)
                .hasMessageContaining("'30 seconds' is not a duration such as 30s, 5m or PT30S");
        assertThatThrownBy(() -> Durations.parse("-5s")).isInstanceOf(CommandLine.TypeConversionException.class);
    }

    @Test
    void messagesAndSettingsWriteThemAsPeopleAndSpringReadThem() {
        assertThat(Durations.describe(Duration.ofMillis(850))).isEqualTo("850 ms");
        assertThat(Durations.describe(Duration.ofSeconds(12))).isEqualTo("12 s");
        assertThat(Durations.describe(Duration.ofSeconds(185))).isEqualTo("3 min 5 s");
        assertThat(Durations.describe(Duration.ofMinutes(121))).isEqualTo("2 h 1 min");
        assertThat(Durations.asSetting(Duration.ofMinutes(2))).isEqualTo("120s");
    }
}
