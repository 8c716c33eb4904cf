package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseAddressTest {

    @Test
    void takesHostPortDatabaseAndSslMode() {
        assertThat(DatabaseAddress.parse("jdbc:postgresql://db.internal:6432/orders?sslmode=verify-full&ssl=true"))
                .isEqualTo(new DatabaseAddress("db.internal", 6432, "orders", "verify-full"));
        assertThat(DatabaseAddress.parse("jdbc:postgresql://db/orders"))
                .isEqualTo(new DatabaseAddress("db", 5432, "orders", null));
        assertThat(DatabaseAddress.parse("jdbc:postgresql://[::1]:5433/orders"))
                .isEqualTo(new DatabaseAddress("::1", 5433, "orders", null));
    }

    @Test
    void refusesWhatDebeziumCannotConnectTo() {
        assertThat(DatabaseAddress.isSingleHost("jdbc:postgresql://a:5432,b:5432/orders")).isFalse();
        assertThat(DatabaseAddress.isSingleHost("jdbc:postgresql:orders")).isFalse();
        assertThatThrownBy(() -> DatabaseAddress.parse("jdbc:postgresql://a,b/orders"))
                .isInstanceOf(SourceCheckException.class).hasMessageContaining("OUTBOX_DB_URL");
    }
}
