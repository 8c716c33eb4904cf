package dev.outbox.sample.inventory;

import dev.outbox.Outbox;
import dev.outbox.OutboxHeaders;
import dev.outbox.consumer.ConsumedEvent;
import dev.outbox.consumer.NonRetriableException;
import dev.outbox.saga.SagaLog;
import dev.outbox.sample.inventory.InventoryEvent.StockReleased;
import dev.outbox.sample.inventory.InventoryEvent.StockReservationFailed;
import dev.outbox.sample.inventory.InventoryEvent.StockReserved;
import dev.outbox.sample.inventory.OrderMessage.OrderCancelled;
import dev.outbox.sample.inventory.OrderMessage.OrderConfirmed;
import dev.outbox.sample.inventory.OrderMessage.OrderPlaced;
import dev.outbox.sample.support.Sql;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.Record;
import org.jooq.Result;
import org.jooq.impl.DSL;

/**
 * The inventory side of the saga: Try (reserve) on OrderPlaced, Confirm (commit) on OrderConfirmed, Cancel
 * (release) on OrderCancelled. Each handler runs in the consumer's transaction with the inbox row and the reply's
 * outbox row. Stock moves only through conditional updates, so concurrent orders can never oversell, and stock rows
 * are always updated in sku order, so two orders never deadlock on them.
 */
final class Inventory {

    /** Bounds that keep every sum of quantities far from int overflow, whoever produced the event. */
    static final int MAX_LINES = 1_000;
    static final int MAX_QUANTITY = 1_000_000;

    private final Outbox outbox;
    private final SagaLog sagaLog;
    private final String reservationTopic;

    Inventory(Outbox outbox, SagaLog sagaLog, String reservationTopic) {
        this.outbox = outbox;
        this.sagaLog = sagaLog;
        this.reservationTopic = reservationTopic;
    }

    /** Try: reserve every line or nothing. */
    void onOrderPlaced(DSLContext tx, OrderPlaced placed, ConsumedEvent event) {
        requireOrderId(placed, event);
        UUID orderId = placed.orderId();
        recordConsumed(tx, orderId, event);
        Result<Record> existing = tx.fetch(
                "SELECT sku, quantity, status FROM reservation WHERE order_id = ? ORDER BY sku", orderId);
        if (!existing.isEmpty()) {
            answerAgain(tx, orderId, existing, event);
            return;
        }
        String invalid = invalid(placed);
        if (invalid != null) {
            publish(tx, new StockReservationFailed(orderId, invalid), event);
            return;
        }
        Map<String, Integer> wanted = new TreeMap<>();
        placed.lines().forEach(line -> wanted.merge(line.sku(), line.quantity(), Integer::sum));
        List<String> known = tx.fetch("SELECT sku FROM stock WHERE sku = ANY(?::text[])",
                (Object) wanted.keySet().toArray(String[]::new)).map(r -> r.get(0, String.class));
        for (String sku : wanted.keySet()) {
            if (!known.contains(sku)) {
                publish(tx, new StockReservationFailed(orderId, "unknown sku " + sku), event);
                return;
            }
        }
        // All or nothing: a line that does not fit rolls the lines before it back to here.
        Sql.execute(tx, "SAVEPOINT reserve_lines");
        List<StockReserved.Line> reserved = new ArrayList<>();
        long total = 0;
        for (Map.Entry<String, Integer> line : wanted.entrySet()) {
            Long price = tx.fetchOptional("""
                            UPDATE stock SET available = available - ?, reserved = reserved + ?, updated_at = now()
                            WHERE sku = ? AND available >= ?
                            RETURNING unit_price_cents""", line.getValue(), line.getValue(), line.getKey(),
                            line.getValue())
                    .map(r -> r.get(0, Long.class))
                    .orElse(null);
            if (price == null) {
                Sql.execute(tx, "ROLLBACK TO SAVEPOINT reserve_lines");
                publish(tx, new StockReservationFailed(orderId,
                        "insufficient stock for sku " + line.getKey() + ": " + line.getValue() + " requested"), event);
                return;
            }
            Sql.execute(tx, "INSERT INTO reservation (order_id, sku, quantity, status) VALUES (?, ?, ?, 'RESERVED')",
                    orderId, line.getKey(), line.getValue());
            reserved.add(new StockReserved.Line(line.getKey(), line.getValue(), price));
            total = Math.addExact(total, Math.multiplyExact(price, (long) line.getValue()));
        }
        Sql.execute(tx, "RELEASE SAVEPOINT reserve_lines");
        publish(tx, new StockReserved(orderId, reserved, total), event);
    }

    /**
     * A second OrderPlaced for an order (an operator's retry sends a new event id) is answered from the reservation
     * already made, never by reserving again.
     */
    private void answerAgain(DSLContext tx, UUID orderId, Result<Record> existing, ConsumedEvent event) {
        boolean held = existing.stream().anyMatch(r -> !"RELEASED".equals(r.get(2, String.class)));
        if (!held) {
            publish(tx, new StockReservationFailed(orderId, "the order was cancelled; its stock was released"),
                    event);
            return;
        }
        List<StockReserved.Line> lines = new ArrayList<>();
        long total = 0;
        for (Record r : existing) {
            long price = tx.fetchOne("SELECT unit_price_cents FROM stock WHERE sku = ?", r.get(0, String.class))
                    .get(0, Long.class);
            int quantity = r.get(1, Integer.class);
            lines.add(new StockReserved.Line(r.get(0, String.class), quantity, price));
            total += price * quantity;
        }
        publish(tx, new StockReserved(orderId, lines, total), event);
    }

    /** Confirm: the reserved units are sold. Idempotent: only RESERVED rows change. */
    void onOrderConfirmed(DSLContext tx, OrderConfirmed confirmed, ConsumedEvent event) {
        requireOrderId(confirmed, event);
        recordConsumed(tx, confirmed.orderId(), event);
        for (Record2<String, Integer> row : moveReservations(tx, confirmed.orderId(), "COMMITTED")) {
            Sql.execute(tx, """
                    UPDATE stock SET reserved = reserved - ?, sold = sold + ?, updated_at = now()
                    WHERE sku = ?""", row.value2(), row.value2(), row.value1());
        }
    }

    /** Cancel: give back only what is still RESERVED, so a repeated cancellation changes nothing. */
    void onOrderCancelled(DSLContext tx, OrderCancelled cancelled, ConsumedEvent event) {
        requireOrderId(cancelled, event);
        recordConsumed(tx, cancelled.orderId(), event);
        for (Record2<String, Integer> row : moveReservations(tx, cancelled.orderId(), "RELEASED")) {
            Sql.execute(tx, """
                    UPDATE stock SET reserved = reserved - ?, available = available + ?, updated_at = now()
                    WHERE sku = ?""", row.value2(), row.value2(), row.value1());
        }
        publish(tx, new StockReleased(cancelled.orderId()), event);
    }

    private static List<Record2<String, Integer>> moveReservations(DSLContext tx, UUID orderId, String to) {
        return tx.resultQuery("""
                        UPDATE reservation SET status = ?, updated_at = now()
                        WHERE order_id = ? AND status = 'RESERVED'
                        RETURNING sku, quantity""", to, orderId)
                .coerce(DSL.field("sku", String.class), DSL.field("quantity", Integer.class))
                .fetch()
                .sortAsc(DSL.field("sku", String.class));
    }

    /** An event without an order id can never be applied: straight to the dead-letter topic, no retries. */
    private static void requireOrderId(OrderMessage message, ConsumedEvent event) {
        if (message.orderId() == null) {
            throw new NonRetriableException(event.type() + " " + event.eventId() + " has no orderId");
        }
    }

    /** The order service validates its input; this guards against any other producer on the topic. */
    static String invalid(OrderPlaced placed) {
        if (placed.lines() == null || placed.lines().isEmpty()) {
            return "invalid order: no lines";
        }
        if (placed.lines().size() > MAX_LINES) {
            return "invalid order: more than " + MAX_LINES + " lines";
        }
        for (OrderPlaced.Line line : placed.lines()) {
            if (line == null || line.sku() == null || line.sku().isBlank()) {
                return "invalid order: a line has no sku";
            }
            if (line.quantity() == null || line.quantity() <= 0 || line.quantity() > MAX_QUANTITY) {
                return "invalid order: quantity of sku " + line.sku() + " must be positive and at most "
                        + MAX_QUANTITY;
            }
        }
        return null;
    }

    private void publish(DSLContext tx, InventoryEvent reply, ConsumedEvent cause) {
        Map<String, String> headers = new HashMap<>();
        headers.put(OutboxHeaders.SAGA_ID, cause.headers().getOrDefault(OutboxHeaders.SAGA_ID,
                reply.orderId().toString()));
        headers.put(OutboxHeaders.CORRELATION_ID, cause.headers().getOrDefault(OutboxHeaders.CORRELATION_ID,
                reply.orderId().toString()));
        headers.put(OutboxHeaders.CAUSATION_ID, cause.eventId().toString());
        UUID eventId = outbox.publish(tx, reply, headers);
        sagaLog.recordPublished(tx, reply.orderId(), null, eventId, reply.eventType(), reservationTopic);
    }

    private void recordConsumed(DSLContext tx, UUID orderId, ConsumedEvent event) {
        sagaLog.recordConsumed(tx, orderId, null, event);
    }
}
