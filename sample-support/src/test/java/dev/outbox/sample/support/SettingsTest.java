package dev.outbox.sample.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsTest {

    @Test
    void durationsAcceptUnitsAndIso8601() {
        assertThat(Settings.duration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Settings.duration("45s")).isEqualTo(Duration.ofSeconds(45));
        assertThat(Settings.duration("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Settings.duration("PT1H")).isEqualTo(Duration.ofHours(1));
        assertThat(Settings.duration("30d")).isEqualTo(Duration.ofDays(30));
    }

    @Test
    void aValueThatDoesNotParseIsReportedWithItsVariable() {
        assertThatThrownBy(() -> Settings.parse(Map.of("X_TIMEOUT", "soon"), "X_TIMEOUT", "1s", Settings::duration))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("X_TIMEOUT: not a duration");
        assertThatThrownBy(() -> Settings.parse(Map.of(), "X_FLAG", "maybe", Settings::bool))
                .hasMessageStartingWith("X_FLAG: not a boolean");
    }

    @Test
    void anAbsentVariableTakesItsFallback() {
        int port = Settings.parse(Map.of(), "X_PORT", "8080", Integer::parseInt);
        assertThat(port).isEqualTo(8080);
    }
}
