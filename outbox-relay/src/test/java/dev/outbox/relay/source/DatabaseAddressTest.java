package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseAddressTest {

    @Test
    void takesHostPortDatabaseAndParameters() {
        assertThat(DatabaseAddress.parse("jdbc:postgresql://db.internal:6432/orders?sslmode=verify-full&ssl=true"))
                .isEqualTo(new DatabaseAddress("db.internal", 6432, "orders",
                        Map.of("sslmode", "verify-full", "ssl", "true")));
        assertThat(DatabaseAddress.parse("jdbc:postgresql://db/orders"))
                .isEqualTo(new DatabaseAddress("db", 5432, "orders", Map.of()));
        assertThat(DatabaseAddress.parse("jdbc:postgresql://[::1]:5433/orders"))
                .isEqualTo(new DatabaseAddress("::1", 5433, "orders", Map.of()));
    }

    @Test
    void handsEveryTlsParameterToTheConnector() {
        DatabaseAddress address = DatabaseAddress.parse("jdbc:postgresql://db:5432/orders?sslmode=verify-full"
                + "&sslrootcert=/etc/ca%20dir/root.pem&sslcert=/c.pem&sslkey=/k.pk8&sslpassword=s3cret"
                + "&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory");

        assertThat(address.sslMode()).isEqualTo("verify-full");
        assertThat(address.connectorSettings()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "database.sslmode", "verify-full",
                "database.sslrootcert", "/etc/ca dir/root.pem",
                "database.sslcert", "/c.pem",
                "database.sslkey", "/k.pk8",
                "database.sslpassword", "s3cret",
                "database.sslfactory", "org.postgresql.ssl.DefaultJavaSSLFactory"));
    }

    @Test
    void aParameterCannotMoveTheConnectorToAnotherAddress() {
        assertThat(DatabaseAddress.parse("jdbc:postgresql://db/orders?hostname=other&port=1&dbname=x")
                .connectorSettings()).isEmpty();
    }

    @Test
    void neverShowsAPassword() {
        String url = "jdbc:postgresql://db/orders?password=s3cret&sslmode=require&sslpassword=k3y";
        assertThat(DatabaseAddress.parse(url).toString()).doesNotContain("s3cret", "k3y").contains("require");
        assertThat(DatabaseAddress.redacted(url)).doesNotContain("s3cret", "k3y").contains("sslmode=require");
        assertThatThrownBy(() -> DatabaseAddress.parse("jdbc:postgresql:orders?password=s3cret"))
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void refusesWhatDebeziumCannotConnectTo() {
        assertThat(DatabaseAddress.isSupported("jdbc:postgresql:orders")).isFalse();
        assertThat(DatabaseAddress.isSupported("jdbc:postgresql://a:99999/orders")).isFalse();
        assertThatThrownBy(() -> DatabaseAddress.parse("jdbc:postgresql:///orders"))
                .isInstanceOf(SourceCheckException.class).hasMessageContaining("OUTBOX_DB_URL");
    }

    @Test
    void takesEveryHostOfAMultiHostUrlAndHandsDebeziumTheOneResolved() {
        DatabaseAddress address = DatabaseAddress.parse(
                "jdbc:postgresql://pg-a:5433,pg-b,[::1]:5435/orders?targetServerType=primary");

        assertThat(address.endpoints()).containsExactly(new DatabaseAddress.Endpoint("pg-a", 5433),
                new DatabaseAddress.Endpoint("pg-b", 5432), new DatabaseAddress.Endpoint("::1", 5435));
        assertThat(address.at("pg-b", 5432)).isEqualTo(new DatabaseAddress("pg-b", 5432, "orders",
                Map.of("targetServerType", "primary")));
        assertThat(address.connectorSettings()).containsEntry("database.targetServerType", "primary");
    }
}
