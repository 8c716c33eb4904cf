package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OrderServiceConfigTest {

    static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("ORDER_DB_URL", "jdbc:postgresql://localhost:5432/orders");
        env.put("ORDER_DB_USER", "orders");
        env.put("ORDER_KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
        env.put("ORDER_ADMIN_TOKEN", "0123456789abcdef");
        return env;
    }

    @Test
    void theRequiredVariablesAreEnoughAndEverythingElseHasItsDocumentedDefault() {
        OrderServiceConfig config = OrderServiceConfig.fromEnv(minimal());
        assertThat(config.httpPort()).isEqualTo(8081);
        assertThat(config.httpBindAddress()).isEqualTo("0.0.0.0");
        assertThat(config.sagaRetention()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(config.consumerGroup()).isEqualTo("order-service");
        assertThat(config.orderTopic()).isEqualTo("outbox.event.order");
        assertThat(config.inventoryTopic()).isEqualTo("outbox.event.reservation");
        assertThat(config.reserveStockDeadline()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.timeoutScanInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.dbPassword()).isEmpty();
        assertThat(config.migrate()).isTrue();
        assertThat(config.maxBodyBytes()).isEqualTo(65_536);
    }

    @Test
    void aMissingOrInvalidVariableIsNamedInTheError() {
        for (String required : new String[] {"ORDER_DB_URL", "ORDER_DB_USER", "ORDER_KAFKA_BOOTSTRAP_SERVERS",
                "ORDER_ADMIN_TOKEN"}) {
            Map<String, String> env = minimal();
            env.remove(required);
            assertThatThrownBy(() -> OrderServiceConfig.fromEnv(env)).hasMessageStartingWith(required);
        }
        assertRejected("ORDER_DB_URL", "mysql://x");
        assertRejected("ORDER_HTTP_PORT", "http");
        assertRejected("ORDER_HTTP_PORT", "70000");
        assertRejected("ORDER_ADMIN_TOKEN", "short");
        assertRejected("ORDER_RESERVE_STOCK_DEADLINE", "soon");
        assertRejected("ORDER_RESERVE_STOCK_DEADLINE", "10ms");
        assertRejected("ORDER_MIGRATE", "maybe");
        assertRejected("ORDER_INVENTORY_TOPIC", "bad topic");
        assertRejected("ORDER_PUBLICATION", "Bad-Name");
        assertRejected("ORDER_SAGA_RETENTION", "10s");
        assertRejected("ORDER_HTTP_BIND_ADDRESS", " ");
    }

    @Test
    void theBindAddressAndTheSagaRetentionAreRead() {
        Map<String, String> env = minimal();
        env.put("ORDER_HTTP_BIND_ADDRESS", "127.0.0.1");
        env.put("ORDER_SAGA_RETENTION", "7d");
        OrderServiceConfig config = OrderServiceConfig.fromEnv(env);
        assertThat(config.httpBindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.sagaRetention()).isEqualTo(Duration.ofDays(7));
    }

    @Test
    void theConsumerInstanceIdIsDerivedFromHostAndPortUnlessSetOrTurnedOff() {
        OrderServiceConfig config = OrderServiceConfig.fromEnv(minimal());
        assertThat(config.consumerInstanceId()).isEqualTo("auto");
        assertThat(config.staticMembershipId()).hasValueSatisfying(id -> assertThat(id)
                .startsWith("order-service-").endsWith("-8081").matches("[A-Za-z0-9._-]+"));
        assertThat(config.withHttpPort(0).staticMembershipId()).as("a random port is not stable").isEmpty();

        Map<String, String> env = minimal();
        env.put("ORDER_CONSUMER_INSTANCE_ID", "none");
        assertThat(OrderServiceConfig.fromEnv(env).staticMembershipId()).isEmpty();
        env.put("ORDER_CONSUMER_INSTANCE_ID", "order-pod-0");
        assertThat(OrderServiceConfig.fromEnv(env).staticMembershipId()).contains("order-pod-0");
        env.put("ORDER_CONSUMER_INSTANCE_ID", "host:8081");
        assertThatThrownBy(() -> OrderServiceConfig.fromEnv(env)).hasMessageStartingWith("ORDER_CONSUMER_INSTANCE_ID");
    }

    @Test
    void toStringNeverShowsThePasswordOrTheToken() {
        Map<String, String> env = minimal();
        env.put("ORDER_DB_PASSWORD", "s3cret-password");
        assertThat(OrderServiceConfig.fromEnv(env).toString())
                .doesNotContain("s3cret-password").doesNotContain("0123456789abcdef");
    }

    private static void assertRejected(String variable, String value) {
        Map<String, String> env = minimal();
        env.put(variable, value);
        assertThatThrownBy(() -> OrderServiceConfig.fromEnv(env)).as(variable + "=" + value)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(variable);
    }
}
