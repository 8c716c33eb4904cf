package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseNamesTest {

    @Test
    void testClassNamesBecomeValidDistinctDatabaseNames() {
        String first = OutboxInfraExtension.databaseName(DatabaseNamesTest.class);
        String second = OutboxInfraExtension.databaseName(DatabaseNamesTest.class);

        assertThat(first).matches("t_databasenamestest_[a-z0-9]+").hasSizeLessThanOrEqualTo(63);
        assertThat(first).isNotEqualTo(second);
    }

    @Test
    void unsafeDatabaseNamesAreRefusedBeforeAnySqlRuns() {
        assertThatThrownBy(() -> new TestDatabase(null, "orders; DROP DATABASE x", false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database name must match");
    }
}
