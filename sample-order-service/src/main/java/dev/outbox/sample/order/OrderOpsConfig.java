package dev.outbox.sample.order;

import static dev.outbox.sample.support.Settings.parse;
import static dev.outbox.sample.support.Settings.require;
import static dev.outbox.sample.support.Settings.requireTopic;

import dev.outbox.sample.support.Settings;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * The order service's saga-operations settings (kept apart from {@link OrderServiceConfig}); read from environment
 * variables by {@link #fromEnv(Map)}.
 *
 * @param inventoryUrl         {@code ORDER_INVENTORY_URL}: base URL of the inventory service's HTTP API, read by
 *                             {@code /saga/status} for the inventory's part of the timeline (e.g.
 *                             {@code http://localhost:8082}). Default none: the status says the inventory's view is
 *                             not configured.
 * @param inventoryAdminToken  {@code ORDER_INVENTORY_ADMIN_TOKEN}: the inventory's admin token, for the console's
 *                             actions on the inventory through this service. Default none (those actions answer 409).
 * @param confirmDeadline      {@code ORDER_CONFIRM_STOCK_DEADLINE}: how long a confirmed order waits for the
 *                             inventory's StockCommitted before OrderConfirmed is sent again. Default {@code 30s}.
 * @param compensationDeadline {@code ORDER_COMPENSATION_DEADLINE}: how long a cancellation waits for StockReleased
 *                             before OrderCancelled is sent again. Default {@code 30s}.
 * @param maxAttempts          {@code ORDER_SAGA_MAX_ATTEMPTS}: attempts before a step is FAILED and listed as stuck.
 *                             Default 10.
 * @param relayDlqTopic        {@code ORDER_RELAY_DLQ_TOPIC}: the dead-letter topic of the relay reading this
 *                             service's database. Default {@code outbox.dlq}.
 */
public record OrderOpsConfig(URI inventoryUrl, String inventoryAdminToken, Duration confirmDeadline,
                             Duration compensationDeadline, int maxAttempts, String relayDlqTopic) {

    public OrderOpsConfig {
        require(inventoryUrl == null || "http".equals(inventoryUrl.getScheme()) || "https".equals(inventoryUrl.getScheme()),
                "ORDER_INVENTORY_URL", "must be an http(s) URL, was " + inventoryUrl);
        require(confirmDeadline != null && confirmDeadline.isPositive(), "ORDER_CONFIRM_STOCK_DEADLINE",
                "must be positive, was " + confirmDeadline);
        require(compensationDeadline != null && compensationDeadline.isPositive(), "ORDER_COMPENSATION_DEADLINE",
                "must be positive, was " + compensationDeadline);
        require(maxAttempts >= 1, "ORDER_SAGA_MAX_ATTEMPTS", "must be at least 1, was " + maxAttempts);
        requireTopic(relayDlqTopic, "ORDER_RELAY_DLQ_TOPIC");
    }

    public static OrderOpsConfig defaults() {
        return fromEnv(Map.of());
    }

    public static OrderOpsConfig fromEnv(Map<String, String> env) {
        String url = env.get("ORDER_INVENTORY_URL");
        return new OrderOpsConfig(
                url == null || url.isBlank() ? null : parse(env, "ORDER_INVENTORY_URL", url, URI::create),
                env.get("ORDER_INVENTORY_ADMIN_TOKEN"),
                parse(env, "ORDER_CONFIRM_STOCK_DEADLINE", "30s", Settings::duration),
                parse(env, "ORDER_COMPENSATION_DEADLINE", "30s", Settings::duration),
                parse(env, "ORDER_SAGA_MAX_ATTEMPTS", "10", Integer::parseInt),
                env.getOrDefault("ORDER_RELAY_DLQ_TOPIC", "outbox.dlq"));
    }

    public OrderOpsConfig withInventory(URI url, String adminToken) {
        return new OrderOpsConfig(url, adminToken, confirmDeadline, compensationDeadline, maxAttempts, relayDlqTopic);
    }

    public OrderOpsConfig withDeadlines(Duration confirm, Duration compensation) {
        return new OrderOpsConfig(inventoryUrl, inventoryAdminToken, confirm, compensation, maxAttempts, relayDlqTopic);
    }

    public OrderOpsConfig withMaxAttempts(int attempts) {
        return new OrderOpsConfig(inventoryUrl, inventoryAdminToken, confirmDeadline, compensationDeadline, attempts,
                relayDlqTopic);
    }

    public OrderOpsConfig withRelayDlqTopic(String topic) {
        return new OrderOpsConfig(inventoryUrl, inventoryAdminToken, confirmDeadline, compensationDeadline, maxAttempts,
                topic);
    }

    @Override
    public String toString() {
        // The token never reaches a log line.
        return "OrderOpsConfig[inventoryUrl=" + inventoryUrl + ", confirmDeadline=" + confirmDeadline
                + ", compensationDeadline=" + compensationDeadline + ", maxAttempts=" + maxAttempts
                + ", relayDlqTopic=" + relayDlqTopic + "]";
    }
}
