package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TestkitBackendTest {

    @Test
    void embeddedServersAreTheDefault() {
        assertThat(TestkitBackend.from(Map.of())).isEqualTo(TestkitBackend.EMBEDDED);
        assertThat(TestkitBackend.from(Map.of(TestkitBackend.VARIABLE, ""))).isEqualTo(TestkitBackend.EMBEDDED);
    }

    @Test
    void testcontainersIsChosenByName() {
        assertThat(TestkitBackend.from(Map.of(TestkitBackend.VARIABLE, "Testcontainers")))
                .isEqualTo(TestkitBackend.TESTCONTAINERS);
        assertThat(TestkitBackend.from(Map.of(TestkitBackend.VARIABLE, " embedded ")))
                .isEqualTo(TestkitBackend.EMBEDDED);
    }

    @Test
    void anUnknownBackendIsRefusedWithTheAcceptedValues() {
        assertThatThrownBy(() -> TestkitBackend.from(Map.of(TestkitBackend.VARIABLE, "docker")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("OUTBOX_TESTKIT_BACKEND must be embedded, testcontainers or auto, was docker");
    }
}
