package dev.outbox.sample.inventory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InventoryServiceConfigTest {

    static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("INVENTORY_DB_URL", "jdbc:postgresql://localhost:5432/inventory");
        env.put("INVENTORY_DB_USER", "inventory");
        env.put("INVENTORY_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        env.put("INVENTORY_ADMIN_TOKEN", "0123456789abcdef");
        return env;
    }

    @Test
    void theRequiredVariablesAreEnoughAndEverythingElseHasItsDocumentedDefault() {
        InventoryServiceConfig config = InventoryServiceConfig.fromEnv(minimal());
        assertThat(config.httpPort()).isEqualTo(8082);
        assertThat(config.httpBindAddress()).isEqualTo("0.0.0.0");
        assertThat(config.sagaRetention()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(config.consumerGroup()).isEqualTo("inventory-service");
        assertThat(config.orderTopic()).isEqualTo("outbox.event.order");
        assertThat(config.reservationTopic()).isEqualTo("outbox.event.reservation");
        assertThat(config.dbPoolSize()).isEqualTo(10);
        assertThat(config.migrate()).isTrue();
    }

    @Test
    void aMissingOrInvalidVariableIsNamedInTheError() {
        for (String required : new String[] {"INVENTORY_DB_URL", "INVENTORY_DB_USER",
                "INVENTORY_KAFKA_BOOTSTRAP_SERVERS", "INVENTORY_ADMIN_TOKEN"}) {
            Map<String, String> env = minimal();
            env.remove(required);
            assertThatThrownBy(() -> InventoryServiceConfig.fromEnv(env)).hasMessageStartingWith(required);
        }
        Map<String, String> env = minimal();
        env.put("INVENTORY_DB_POOL_SIZE", "1");
        assertThatThrownBy(() -> InventoryServiceConfig.fromEnv(env)).hasMessageStartingWith("INVENTORY_DB_POOL_SIZE");
        env.put("INVENTORY_DB_POOL_SIZE", "ten");
        assertThatThrownBy(() -> InventoryServiceConfig.fromEnv(env)).hasMessageStartingWith("INVENTORY_DB_POOL_SIZE");
        Map<String, String> retention = minimal();
        retention.put("INVENTORY_SAGA_RETENTION", "10s");
        assertThatThrownBy(() -> InventoryServiceConfig.fromEnv(retention))
                .hasMessageStartingWith("INVENTORY_SAGA_RETENTION");
    }

    @Test
    void theBindAddressAndTheSagaRetentionAreRead() {
        Map<String, String> env = minimal();
        env.put("INVENTORY_HTTP_BIND_ADDRESS", "127.0.0.1");
        env.put("INVENTORY_SAGA_RETENTION", "7d");
        InventoryServiceConfig config = InventoryServiceConfig.fromEnv(env);
        assertThat(config.httpBindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.sagaRetention()).isEqualTo(java.time.Duration.ofDays(7));
    }

    @Test
    void theConsumerInstanceIdIsDerivedFromHostAndPortUnlessSetOrTurnedOff() {
        InventoryServiceConfig config = InventoryServiceConfig.fromEnv(minimal());
        assertThat(config.consumerInstanceId()).isEqualTo("auto");
        assertThat(config.staticMembershipId()).hasValueSatisfying(id -> assertThat(id)
                .startsWith("inventory-service-").endsWith("-8082").matches("[A-Za-z0-9._-]+"));
        assertThat(config.withHttpPort(0).staticMembershipId()).as("a random port is not stable").isEmpty();

        Map<String, String> env = minimal();
        env.put("INVENTORY_CONSUMER_INSTANCE_ID", "none");
        assertThat(InventoryServiceConfig.fromEnv(env).staticMembershipId()).isEmpty();
        env.put("INVENTORY_CONSUMER_INSTANCE_ID", "inventory-pod-0");
        assertThat(InventoryServiceConfig.fromEnv(env).staticMembershipId()).contains("inventory-pod-0");
        env.put("INVENTORY_CONSUMER_INSTANCE_ID", "host:8081");
        assertThatThrownBy(() -> InventoryServiceConfig.fromEnv(env)).hasMessageStartingWith("INVENTORY_CONSUMER_INSTANCE_ID");
    }

    @Test
    void toStringNeverShowsThePasswordOrTheToken() {
        Map<String, String> env = minimal();
        env.put("INVENTORY_DB_PASSWORD", "s3cret-password");
        assertThat(InventoryServiceConfig.fromEnv(env).toString())
                .doesNotContain("s3cret-password").doesNotContain("0123456789abcdef");
    }
}
