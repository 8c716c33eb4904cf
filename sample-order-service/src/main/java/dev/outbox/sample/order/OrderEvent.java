package dev.outbox.sample.order;

import dev.outbox.OutboxEvent;
import java.util.List;
import java.util.UUID;

/**
 * The events this service publishes, aggregate type {@code order} (topic {@code outbox.event.order}), keyed by order
 * id so that every event of one order keeps its order on the topic. The wire type is the logical name returned by
 * {@link #eventType()}; consumers keep their own copy of these records.
 */
sealed interface OrderEvent extends OutboxEvent {

    String AGGREGATE_TYPE = "order";

    UUID orderId();

    @Override
    default String aggregateType() {
        return AGGREGATE_TYPE;
    }

    @Override
    default String aggregateId() {
        return orderId().toString();
    }

    /** Starts the saga: the inventory reserves the lines (Try). */
    record OrderPlaced(UUID orderId, String customerId, List<Line> lines) implements OrderEvent {
        record Line(String sku, int quantity) {
        }

        @Override
        public String eventType() {
            return "OrderPlaced";
        }
    }

    /** Stock reserved and credit charged: the inventory commits the reservation (Confirm). */
    record OrderConfirmed(UUID orderId) implements OrderEvent {
        @Override
        public String eventType() {
            return "OrderConfirmed";
        }
    }

    /** The compensation: the inventory releases whatever it still holds for the order (Cancel). */
    record OrderCancelled(UUID orderId, String reason) implements OrderEvent {
        @Override
        public String eventType() {
            return "OrderCancelled";
        }
    }
}
