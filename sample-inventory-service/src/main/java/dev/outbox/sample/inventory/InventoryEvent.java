package dev.outbox.sample.inventory;

import dev.outbox.OutboxEvent;
import java.util.List;
import java.util.UUID;

/**
 * The events this service publishes, aggregate type {@code reservation} (topic {@code outbox.event.reservation}),
 * keyed by order id. Consumers keep their own copy of these records.
 */
sealed interface InventoryEvent extends OutboxEvent {

    String AGGREGATE_TYPE = "reservation";

    UUID orderId();

    @Override
    default String aggregateType() {
        return AGGREGATE_TYPE;
    }

    @Override
    default String aggregateId() {
        return orderId().toString();
    }

    /** Every line reserved (Try succeeded), at the stock's prices. */
    record StockReserved(UUID orderId, List<Line> lines, long totalCents) implements InventoryEvent {
        record Line(String sku, int quantity, long unitPriceCents) {
        }

        @Override
        public String eventType() {
            return "StockReserved";
        }
    }

    /** Nothing reserved, and why. */
    record StockReservationFailed(UUID orderId, String reason) implements InventoryEvent {
        @Override
        public String eventType() {
            return "StockReservationFailed";
        }
    }

    /**
     * Whatever was still reserved for the order is back in stock (Cancel, or the reservation expired).
     *
     * @param reason why: the order's cancellation, or the expiry of the reservation
     */
    record StockReleased(UUID orderId, String reason) implements InventoryEvent {
        @Override
        public String eventType() {
            return "StockReleased";
        }
    }

    /** Confirm done: the units are sold. The acknowledgement of OrderConfirmed. */
    record StockCommitted(UUID orderId) implements InventoryEvent {
        @Override
        public String eventType() {
            return "StockCommitted";
        }
    }

    /** Confirm impossible: the reservation was released and the stock is no longer there. */
    record StockCommitFailed(UUID orderId, String reason) implements InventoryEvent {
        @Override
        public String eventType() {
            return "StockCommitFailed";
        }
    }
}
