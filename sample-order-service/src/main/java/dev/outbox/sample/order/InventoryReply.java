package dev.outbox.sample.order;

import java.util.List;
import java.util.UUID;

/**
 * The inventory service's events this service reads (aggregate type {@code reservation}, topic
 * {@code outbox.event.reservation}). This service's own copy of the contract: no shared events jar.
 */
sealed interface InventoryReply {

    UUID orderId();

    /** Wire type names, from the {@code ce_type} header. */
    String STOCK_RESERVED = "StockReserved";
    String STOCK_RESERVATION_FAILED = "StockReservationFailed";
    String STOCK_RELEASED = "StockReleased";

    record StockReserved(UUID orderId, List<Line> lines, long totalCents) implements InventoryReply {
        record Line(String sku, int quantity, long unitPriceCents) {
        }
    }

    record StockReservationFailed(UUID orderId, String reason) implements InventoryReply {
    }

    record StockReleased(UUID orderId) implements InventoryReply {
    }
}
