package dev.outbox.sample.inventory;

import static dev.outbox.sample.support.Settings.parse;
import static dev.outbox.sample.support.Settings.require;
import static dev.outbox.sample.support.Settings.requireTopic;

import dev.outbox.sample.support.Settings;
import java.time.Duration;
import java.util.Map;

/**
 * The inventory's saga-operations settings (kept apart from {@link InventoryServiceConfig}); read from environment
 * variables by {@link #fromEnv(Map)}.
 *
 * @param reservationTtl      {@code INVENTORY_RESERVATION_TTL}: how long a reservation (the Try) holds stock without
 *                            a confirmation before the timeout scanner releases it. Default {@code 10m}; positive.
 * @param timeoutScanInterval {@code INVENTORY_TIMEOUT_SCAN_INTERVAL}: pause between timeout scans. Default
 *                            {@code 1s}.
 * @param maxAttempts         {@code INVENTORY_SAGA_MAX_ATTEMPTS}: attempts of the scanner before a step is FAILED
 *                            and listed as stuck. Default 10.
 * @param relayDlqTopic       {@code INVENTORY_RELAY_DLQ_TOPIC}: the dead-letter topic of the relay reading this
 *                            service's database. Default {@code outbox.dlq}.
 * @param consumerMaxAttempts {@code INVENTORY_CONSUMER_MAX_ATTEMPTS}: attempts at an event before the consumer puts
 *                            it on {@code <topic>-dlt}. Default 10.
 */
public record InventoryOpsConfig(Duration reservationTtl, Duration timeoutScanInterval, int maxAttempts,
                                 String relayDlqTopic, int consumerMaxAttempts) {

    public InventoryOpsConfig {
        require(reservationTtl != null && reservationTtl.isPositive(), "INVENTORY_RESERVATION_TTL",
                "must be positive, was " + reservationTtl);
        require(timeoutScanInterval != null && timeoutScanInterval.isPositive(), "INVENTORY_TIMEOUT_SCAN_INTERVAL",
                "must be positive, was " + timeoutScanInterval);
        require(maxAttempts >= 1, "INVENTORY_SAGA_MAX_ATTEMPTS", "must be at least 1, was " + maxAttempts);
        requireTopic(relayDlqTopic, "INVENTORY_RELAY_DLQ_TOPIC");
        require(consumerMaxAttempts >= 1, "INVENTORY_CONSUMER_MAX_ATTEMPTS",
                "must be at least 1, was " + consumerMaxAttempts);
    }

    public static InventoryOpsConfig defaults() {
        return fromEnv(Map.of());
    }

    public static InventoryOpsConfig fromEnv(Map<String, String> env) {
        return new InventoryOpsConfig(
                parse(env, "INVENTORY_RESERVATION_TTL", "10m", Settings::duration),
                parse(env, "INVENTORY_TIMEOUT_SCAN_INTERVAL", "1s", Settings::duration),
                parse(env, "INVENTORY_SAGA_MAX_ATTEMPTS", "10", Integer::parseInt),
                env.getOrDefault("INVENTORY_RELAY_DLQ_TOPIC", "outbox.dlq"),
                parse(env, "INVENTORY_CONSUMER_MAX_ATTEMPTS", "10", Integer::parseInt));
    }

    public InventoryOpsConfig withReservationTtl(Duration ttl, Duration scanInterval) {
        return new InventoryOpsConfig(ttl, scanInterval, maxAttempts, relayDlqTopic, consumerMaxAttempts);
    }

    public InventoryOpsConfig withRelayDlqTopic(String topic) {
        return new InventoryOpsConfig(reservationTtl, timeoutScanInterval, maxAttempts, topic, consumerMaxAttempts);
    }

    public InventoryOpsConfig withConsumerMaxAttempts(int attempts) {
        return new InventoryOpsConfig(reservationTtl, timeoutScanInterval, maxAttempts, relayDlqTopic, attempts);
    }
}
