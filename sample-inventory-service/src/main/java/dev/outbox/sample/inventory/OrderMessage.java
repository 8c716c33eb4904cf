package dev.outbox.sample.inventory;

import java.util.List;
import java.util.UUID;

/**
 * The order service's events this service reads (topic {@code outbox.event.order}). This service's own copy of the
 * contract: no shared events jar.
 */
sealed interface OrderMessage {

    UUID orderId();

    /** Wire type names, from the {@code ce_type} header. */
    String ORDER_PLACED = "OrderPlaced";
    String ORDER_CONFIRMED = "OrderConfirmed";
    String ORDER_CANCELLED = "OrderCancelled";

    record OrderPlaced(UUID orderId, String customerId, List<Line> lines) implements OrderMessage {
        record Line(String sku, Integer quantity) {
        }
    }

    record OrderConfirmed(UUID orderId) implements OrderMessage {
    }

    record OrderCancelled(UUID orderId, String reason) implements OrderMessage {
    }
}
