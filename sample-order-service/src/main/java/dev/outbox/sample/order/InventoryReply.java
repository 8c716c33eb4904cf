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
    String STOCK_COMMITTED = "StockCommitted";
    String STOCK_COMMIT_FAILED = "StockCommitFailed";

    record StockReserved(UUID orderId, List<Line> lines, long totalCents) implements InventoryReply {
        record Line(String sku, int quantity, long unitPriceCents) {
        }
    }

    record StockReservationFailed(UUID orderId, String reason) implements InventoryReply {
    }

    /** {@code reason}: why (the order's cancellation, or the reservation's expiry); absent from older senders. */
    record StockReleased(UUID orderId, String reason) implements InventoryReply {
    }

    /** The Confirm is done: the reserved units are sold. Acknowledges OrderConfirmed. */
    record StockCommitted(UUID orderId) implements InventoryReply {
    }

    /** The Confirm could not be done (the reservation was gone and the stock could not be taken again). */
    record StockCommitFailed(UUID orderId, String reason) implements InventoryReply {
    }
}
