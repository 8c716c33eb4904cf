package dev.outbox.sample.order;

import static dev.outbox.sample.order.SagaLog.CHARGE_CREDIT;
import static dev.outbox.sample.order.SagaLog.CONFIRM_ORDER;
import static dev.outbox.sample.order.SagaLog.RELEASE_STOCK;
import static dev.outbox.sample.order.SagaLog.RESERVE_STOCK;

import dev.outbox.Outbox;
import dev.outbox.OutboxHeaders;
import dev.outbox.sample.order.InventoryReply.StockReleased;
import dev.outbox.sample.order.InventoryReply.StockReservationFailed;
import dev.outbox.sample.order.InventoryReply.StockReserved;
import dev.outbox.sample.order.OrderEvent.OrderCancelled;
import dev.outbox.sample.order.OrderEvent.OrderConfirmed;
import dev.outbox.sample.order.OrderEvent.OrderPlaced;
import java.io.IOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order side of the choreographed saga (DESIGN.md, "The saga in the samples"). Every method runs in one
 * transaction holding the domain change, the saga_log rows and the outbox rows; the consumer's inbox row joins it
 * for event handlers. Every writer locks the order row first ({@code SELECT ... FOR UPDATE}), which serializes the
 * HTTP calls, the event handlers and the timeout scanner on one saga without a lock-order inversion.
 */
final class OrderSaga {

    private static final Logger log = LoggerFactory.getLogger(OrderSaga.class);

    static final String PENDING = "PENDING";
    static final String CONFIRMED = "CONFIRMED";
    static final String REJECTED = "REJECTED";
    static final String CANCELLED = "CANCELLED";

    private final DSLContext dsl;
    private final Outbox outbox;
    private final String orderTopic;
    private final Duration reserveDeadline;

    OrderSaga(DSLContext dsl, Outbox outbox, String orderTopic, Duration reserveDeadline) {
        this.dsl = dsl;
        this.outbox = outbox;
        this.orderTopic = orderTopic;
        this.reserveDeadline = reserveDeadline;
    }

    // ---- commands (HTTP) -------------------------------------------------------------------------------------

    /** Step 1: order PENDING, the reserve_stock step with its deadline, OrderPlaced. */
    UUID place(PlaceOrderRequest request) {
        UUID orderId = UUID.randomUUID();
        dsl.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            if (tx.fetchOptional("SELECT 1 FROM customer WHERE id = ?", request.customerId()).isEmpty()) {
                throw ApiException.badRequest("customerId", "unknown customer " + request.customerId());
            }
            tx.execute("INSERT INTO orders (id, customer_id, status, total_cents) VALUES (?, ?, 'PENDING', 0)",
                    orderId, request.customerId());
            List<OrderPlaced.Line> lines = request.lines().stream()
                    .map(l -> new OrderPlaced.Line(l.sku(), l.quantity()))
                    .toList();
            for (int i = 0; i < lines.size(); i++) {
                // The price is the inventory's: it arrives with StockReserved.
                tx.execute("""
                        INSERT INTO order_line (order_id, line_no, sku, quantity, unit_price_cents)
                        VALUES (?, ?, ?, ?, 0)""", orderId, i + 1, lines.get(i).sku(), lines.get(i).quantity());
            }
            UUID eventId = publish(tx, new OrderPlaced(orderId, request.customerId(), lines), null);
            SagaLog.record(tx, orderId, RESERVE_STOCK, "PENDING", eventId, null, reserveDeadline, false);
        });
        log.debug("order {} placed", orderId);
        return orderId;
    }

    /** The customer's cancel: allowed while PENDING, then the stock is released by the compensation. */
    void cancelByCustomer(UUID orderId) {
        dsl.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            String status = lockOrder(tx, orderId);
            if (status == null) {
                throw ApiException.notFound("id", "no order " + orderId);
            }
            if (!PENDING.equals(status)) {
                throw ApiException.conflict("status",
                        "order " + orderId + " is " + status + "; only a PENDING order can be cancelled");
            }
            cancel(tx, orderId, CANCELLED, "cancelled by the customer", "FAILED", null);
        });
    }

    /** Admin: move a stuck saga on. PENDING → OrderPlaced again; a compensation not acknowledged → sent again. */
    String retry(UUID orderId) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            String status = lockOrder(tx, orderId);
            if (status == null) {
                throw ApiException.notFound("id", "no saga " + orderId);
            }
            if (PENDING.equals(status)) {
                Record order = tx.fetchOne("SELECT customer_id FROM orders WHERE id = ?", orderId);
                List<OrderPlaced.Line> lines = tx.fetch(
                                "SELECT sku, quantity FROM order_line WHERE order_id = ? ORDER BY line_no", orderId)
                        .map(r -> new OrderPlaced.Line(r.get(0, String.class), r.get(1, Integer.class)));
                // A new event id: the inventory's inbox would drop the same one. The inventory answers a repeated
                // OrderPlaced from the reservation it already holds, so this never reserves twice.
                UUID eventId = publish(tx, new OrderPlaced(orderId, order.get(0, String.class), lines), null);
                SagaLog.record(tx, orderId, RESERVE_STOCK, "PENDING", eventId, null, reserveDeadline, true);
                return "OrderPlaced re-sent; reserve_stock has a new deadline";
            }
            if ("COMPENSATING".equals(SagaLog.status(tx, orderId, RELEASE_STOCK))) {
                resendCancellation(tx, orderId, null, null);
                return "OrderCancelled re-sent";
            }
            throw ApiException.conflict("status", "saga " + orderId + " is not stuck (order " + status
                    + "); nothing to retry");
        });
    }

    /** Admin: compensate. A PENDING order is cancelled; a REJECTED/CANCELLED one has its release sent again. */
    String compensate(UUID orderId) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            String status = lockOrder(tx, orderId);
            if (status == null) {
                throw ApiException.notFound("id", "no saga " + orderId);
            }
            switch (status) {
                case PENDING -> {
                    cancel(tx, orderId, CANCELLED, "compensated by an operator", "FAILED", null);
                    return "order cancelled; OrderCancelled sent";
                }
                case REJECTED, CANCELLED -> {
                    resendCancellation(tx, orderId, null, null);
                    return "OrderCancelled re-sent";
                }
                default -> throw ApiException.conflict("status", "order " + orderId
                        + " is CONFIRMED: its stock is sold and its credit charged; a confirmed order is final");
            }
        });
    }

    // ---- events (consumer transaction) ------------------------------------------------------------------------

    /** Handles one record of the inventory topic or of this service's own topic, in the consumer's transaction. */
    void onEvent(DSLContext tx, InboundEvent event) throws IOException {
        if (event.topic().equals(orderTopic)) {
            trackPublished(tx, event);
            return;
        }
        switch (event.type()) {
            case InventoryReply.STOCK_RESERVED -> onStockReserved(tx, event, event.payloadAs(StockReserved.class));
            case InventoryReply.STOCK_RESERVATION_FAILED ->
                    onStockReservationFailed(tx, event, event.payloadAs(StockReservationFailed.class));
            case InventoryReply.STOCK_RELEASED -> onStockReleased(tx, event, event.payloadAs(StockReleased.class));
            default -> log.debug("ignoring {} {}: not part of the order saga", event.type(), event.eventId());
        }
    }

    /** Step 3: charge the credit with a conditional update; confirm, or reject and compensate. */
    private void onStockReserved(DSLContext tx, InboundEvent event, StockReserved reply) {
        UUID orderId = reply.orderId();
        String status = lockOrder(tx, orderId);
        if (status == null) {
            log.warn("StockReserved {} for unknown order {}; ignored", event.eventId(), orderId);
            return;
        }
        recordConsumed(tx, orderId, event);
        if (!PENDING.equals(status)) {
            SagaLog.record(tx, orderId, RESERVE_STOCK, SagaLog.status(tx, orderId, RESERVE_STOCK), event.eventId(),
                    "late StockReserved for a " + status + " order");
            if (!CONFIRMED.equals(status)) {
                // Step 5: stock is held for an order that no longer wants it. Release it again (idempotent).
                resendCancellation(tx, orderId, "stock reserved after the order was " + status, event.eventId());
            }
            return;
        }
        SagaLog.record(tx, orderId, RESERVE_STOCK, "SUCCEEDED", event.eventId(), null);
        for (StockReserved.Line line : reply.lines()) {
            tx.execute("UPDATE order_line SET unit_price_cents = ? WHERE order_id = ? AND sku = ?",
                    line.unitPriceCents(), orderId, line.sku());
        }
        long total = reply.totalCents();
        String customerId = tx.fetchOne("SELECT customer_id FROM orders WHERE id = ?", orderId).get(0, String.class);
        int charged = tx.execute("""
                UPDATE customer SET credit_available_cents = credit_available_cents - ?, updated_at = now()
                WHERE id = ? AND credit_available_cents >= ?""", total, customerId, total);
        if (charged == 1) {
            // The primary key on charge.order_id makes a second charge impossible, not merely unlikely.
            tx.execute("INSERT INTO charge (order_id, customer_id, amount_cents, status) VALUES (?, ?, ?, 'CHARGED')",
                    orderId, customerId, total);
            tx.execute("""
                    UPDATE orders SET status = 'CONFIRMED', total_cents = ?, updated_at = now()
                    WHERE id = ? AND status = 'PENDING'""", total, orderId);
            SagaLog.record(tx, orderId, CHARGE_CREDIT, "SUCCEEDED", null, null);
            UUID confirmed = publish(tx, new OrderConfirmed(orderId), event.eventId());
            SagaLog.record(tx, orderId, CONFIRM_ORDER, "SUCCEEDED", confirmed, null);
        } else {
            String reason = "insufficient credit: order total " + total + " cents exceeds customer " + customerId
                    + "'s available credit";
            SagaLog.record(tx, orderId, CHARGE_CREDIT, "FAILED", null, reason);
            cancel(tx, orderId, REJECTED, reason, null, event.eventId());
            tx.execute("UPDATE orders SET total_cents = ? WHERE id = ?", total, orderId);
        }
    }

    /** Step 3, failure branch: nothing was reserved, so nothing to compensate. */
    private void onStockReservationFailed(DSLContext tx, InboundEvent event, StockReservationFailed reply) {
        UUID orderId = reply.orderId();
        String status = lockOrder(tx, orderId);
        if (status == null) {
            log.warn("StockReservationFailed {} for unknown order {}; ignored", event.eventId(), orderId);
            return;
        }
        recordConsumed(tx, orderId, event);
        if (!PENDING.equals(status)) {
            SagaLog.record(tx, orderId, RESERVE_STOCK, SagaLog.status(tx, orderId, RESERVE_STOCK), event.eventId(),
                    null);
            return;
        }
        String reason = "stock: " + reply.reason();
        tx.execute("""
                UPDATE orders SET status = 'REJECTED', reason = ?, updated_at = now()
                WHERE id = ? AND status = 'PENDING'""", reason, orderId);
        SagaLog.record(tx, orderId, RESERVE_STOCK, "FAILED", event.eventId(), reason);
    }

    /** Step 4 acknowledged: the inventory released what it held; the compensation is complete. */
    private void onStockReleased(DSLContext tx, InboundEvent event, StockReleased reply) {
        UUID orderId = reply.orderId();
        if (lockOrder(tx, orderId) == null) {
            log.warn("StockReleased {} for unknown order {}; ignored", event.eventId(), orderId);
            return;
        }
        recordConsumed(tx, orderId, event);
        SagaLog.record(tx, orderId, RELEASE_STOCK, "COMPENSATED", event.eventId(), null);
    }

    /** Step 5: a deadline passed. Re-checked under the order lock: a reply may have won the race. */
    void onDeadline(DSLContext tx, UUID orderId, String step) {
        String status = lockOrder(tx, orderId);
        Record row = tx.fetchOne("""
                SELECT status, deadline_at <= clock_timestamp() AS late FROM saga_log
                WHERE saga_id = ? AND step = ?""", orderId, step);
        if (row == null || !"PENDING".equals(row.get(0, String.class)) || !row.get(1, Boolean.class)) {
            return;
        }
        if (RESERVE_STOCK.equals(step) && PENDING.equals(status)) {
            cancel(tx, orderId, CANCELLED, "timed out waiting for the stock reservation", "TIMED_OUT", null);
        } else {
            SagaLog.record(tx, orderId, step, "TIMED_OUT", null, "deadline passed with the order " + status);
        }
    }

    /** The order's Kafka coordinates, learnt by reading this service's own topic, complete the status view. */
    private void trackPublished(DSLContext tx, InboundEvent event) {
        tx.execute("""
                UPDATE saga_event SET topic = ?, kafka_partition = ?, kafka_offset = ?
                WHERE event_id = ? AND direction = 'PUBLISHED'""",
                event.topic(), event.partition(), event.offset(), event.eventId());
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Ends a PENDING order as REJECTED or CANCELLED and starts the compensation (OrderCancelled → release). */
    private void cancel(DSLContext tx, UUID orderId, String newStatus, String reason, String reserveStepStatus,
            UUID causationId) {
        tx.execute("""
                UPDATE orders SET status = ?, reason = ?, updated_at = now()
                WHERE id = ? AND status = 'PENDING'""", newStatus, reason, orderId);
        if (reserveStepStatus != null) {
            SagaLog.record(tx, orderId, RESERVE_STOCK, reserveStepStatus, null, reason);
        }
        UUID eventId = publish(tx, new OrderCancelled(orderId, reason), causationId);
        SagaLog.record(tx, orderId, RELEASE_STOCK, "COMPENSATING", eventId, null);
    }

    private void resendCancellation(DSLContext tx, UUID orderId, String why, UUID causationId) {
        String reason = tx.fetchOne("SELECT coalesce(reason, status) FROM orders WHERE id = ?", orderId)
                .get(0, String.class);
        UUID eventId = publish(tx, new OrderCancelled(orderId, reason), causationId);
        SagaLog.record(tx, orderId, RELEASE_STOCK, "COMPENSATING", eventId, why, null, true);
    }

    private UUID publish(DSLContext tx, OrderEvent event, UUID causationId) {
        Map<String, String> headers = new HashMap<>();
        headers.put(OutboxHeaders.SAGA_ID, event.orderId().toString());
        headers.put(OutboxHeaders.CORRELATION_ID, event.orderId().toString());
        if (causationId != null) {
            headers.put(OutboxHeaders.CAUSATION_ID, causationId.toString());
        }
        UUID eventId = outbox.publish(tx, event, headers);
        tx.execute("""
                INSERT INTO saga_event (saga_id, event_id, direction, type, topic, occurred_at)
                VALUES (?, ?, 'PUBLISHED', ?, ?, clock_timestamp())""",
                event.orderId(), eventId, event.eventType(), orderTopic);
        return eventId;
    }

    private static void recordConsumed(DSLContext tx, UUID orderId, InboundEvent event) {
        tx.execute("""
                INSERT INTO saga_event (saga_id, event_id, direction, type, topic, kafka_partition, kafka_offset,
                                        occurred_at)
                VALUES (?, ?, 'CONSUMED', ?, ?, ?, ?, clock_timestamp())
                ON CONFLICT DO NOTHING""",
                orderId, event.eventId(), event.type(), event.topic(), event.partition(), event.offset());
    }

    /** @return the order's status, its row now locked by this transaction; null when there is no such order */
    private static String lockOrder(DSLContext tx, UUID orderId) {
        return tx.fetchOptional("SELECT status FROM orders WHERE id = ? FOR UPDATE", orderId)
                .map(r -> r.get(0, String.class))
                .orElse(null);
    }
}
