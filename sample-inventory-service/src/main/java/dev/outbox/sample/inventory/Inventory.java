package dev.outbox.sample.inventory;

import dev.outbox.Outbox;
import dev.outbox.OutboxHeaders;
import dev.outbox.consumer.ConsumedEvent;
import dev.outbox.consumer.NonRetriableException;
import dev.outbox.saga.SagaLog;
import dev.outbox.saga.SagaQueries;
import dev.outbox.saga.SagaStatus;
import dev.outbox.saga.SagaStep;
import dev.outbox.sample.inventory.InventoryEvent.StockCommitFailed;
import dev.outbox.sample.inventory.InventoryEvent.StockCommitted;
import dev.outbox.sample.inventory.InventoryEvent.StockReleased;
import dev.outbox.sample.inventory.InventoryEvent.StockReservationFailed;
import dev.outbox.sample.inventory.InventoryEvent.StockReserved;
import dev.outbox.sample.inventory.OrderMessage.OrderCancelled;
import dev.outbox.sample.inventory.OrderMessage.OrderConfirmed;
import dev.outbox.sample.inventory.OrderMessage.OrderPlaced;
import dev.outbox.sample.support.ApiException;
import dev.outbox.sample.support.Sql;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.Result;

/**
 * The inventory side of the saga: Try (reserve) on OrderPlaced, Confirm (commit) on OrderConfirmed, Cancel
 * (release) on OrderCancelled. Each handler runs in the consumer's transaction with the inbox row and the reply's
 * outbox row. Stock moves only through conditional updates, so concurrent orders can never oversell, and stock rows
 * are always updated in sku order, so two orders never deadlock on them.
 *
 * <p>The inventory keeps its own saga step in {@code saga_log} (saga type {@value #SAGA_TYPE}, step
 * {@value #RESERVATION}, saga id = order id): PENDING with a deadline while the Try holds stock; SUCCEEDED on Confirm
 * (acknowledged with StockCommitted); COMPENSATED on Cancel or expiry (acknowledged with StockReleased); FAILED when
 * nothing could be reserved. Past the deadline the timeout scanner releases the stock ({@link #onTimeout}). Writers
 * lock the step row before the reservation rows, the order the scanner takes them in.
 */
final class Inventory {

    /** Bounds that keep every sum of quantities far from int overflow, whoever produced the event. */
    static final int MAX_LINES = 1_000;
    static final int MAX_QUANTITY = 1_000_000;

    static final String SAGA_TYPE = "inventory";
    static final String RESERVATION = "reservation";

    private final Outbox outbox;
    private final SagaLog sagaLog;
    private final String reservationTopic;
    private final Duration reservationTtl;

    Inventory(Outbox outbox, SagaLog sagaLog, String reservationTopic, Duration reservationTtl) {
        this.outbox = outbox;
        this.sagaLog = sagaLog;
        this.reservationTopic = reservationTopic;
        this.reservationTtl = reservationTtl;
    }

    /** Try: reserve every line or nothing. */
    void onOrderPlaced(DSLContext tx, OrderPlaced placed, ConsumedEvent event) {
        requireOrderId(placed, event);
        UUID orderId = placed.orderId();
        sagaLog.recordConsumed(tx, orderId, RESERVATION, event);
        List<StockLedger.PricedReservation> existing = StockLedger.reservationsWithPrices(tx, orderId);
        if (!existing.isEmpty()) {
            answerAgain(tx, orderId, existing, event);
            return;
        }
        String invalid = invalid(placed);
        if (invalid != null) {
            refuse(tx, orderId, invalid, event);
            return;
        }
        StockLedger.Reservation reservation = StockLedger.reserve(tx, orderId, StockLedger.bySku(placed.lines()));
        if (!reservation.reserved()) {
            refuse(tx, orderId, reservation.refusal(), event);
            return;
        }
        sagaLog.startStep(tx, orderId, SAGA_TYPE, RESERVATION, Map.of("lines", reservation.lines()), reservationTtl);
        publish(tx, new StockReserved(orderId, reservation.lines(), reservation.totalCents()), event);
    }

    /** Nothing reserved: the step is FAILED (a business outcome, not stuck) and the order is told why. */
    private void refuse(DSLContext tx, UUID orderId, String reason, ConsumedEvent event) {
        sagaLog.recordFinishedStep(tx, orderId, SAGA_TYPE, RESERVATION, Map.of(), SagaStatus.FAILED, reason);
        publish(tx, new StockReservationFailed(orderId, reason), event);
    }

    /**
     * A second OrderPlaced for an order (an operator's retry sends a new event id) is answered from the reservation
     * already made, never by reserving again.
     */
    private void answerAgain(DSLContext tx, UUID orderId, List<StockLedger.PricedReservation> existing,
                             ConsumedEvent event) {
        boolean held = existing.stream().anyMatch(r -> !"RELEASED".equals(r.status()));
        if (!held) {
            publish(tx, new StockReservationFailed(orderId, "the order was cancelled; its stock was released"),
                    event);
            return;
        }
        List<StockReserved.Line> lines = StockLedger.pricedLines(existing);
        publish(tx, new StockReserved(orderId, lines, StockLedger.total(lines)), event);
    }

    /**
     * Confirm: the reserved units are sold, acknowledged with StockCommitted. Idempotent: only RESERVED rows change,
     * and a repeated OrderConfirmed is acknowledged again. A reservation released meanwhile (expired) is taken again
     * from the available stock when it is there; otherwise StockCommitFailed.
     */
    void onOrderConfirmed(DSLContext tx, OrderConfirmed confirmed, ConsumedEvent event) {
        requireOrderId(confirmed, event);
        UUID orderId = confirmed.orderId();
        lockStep(tx, orderId);
        StockLedger.Moved moved = StockLedger.move(tx, orderId, StockLedger.Move.COMMITTED);
        String problem;
        if (!moved.anyReservation()) {
            problem = "no reservation for order " + orderId;
        } else if (!moved.releasedBefore().isEmpty()) {
            problem = StockLedger.takeAgain(tx, orderId, moved.releasedBefore());
        } else {
            problem = null;
        }
        if (problem != null) {
            sagaLog.recordConsumed(tx, orderId, RESERVATION, event);
            publish(tx, new StockCommitFailed(orderId, problem), event);
            return;
        }
        sagaLog.recordConsumedAndMark(tx, orderId, RESERVATION, event, SagaStatus.SUCCEEDED, null);
        publish(tx, new StockCommitted(orderId), event);
    }

    /** Cancel: give back only what is still RESERVED, so a repeated cancellation changes nothing. */
    void onOrderCancelled(DSLContext tx, OrderCancelled cancelled, ConsumedEvent event) {
        requireOrderId(cancelled, event);
        lockStep(tx, cancelled.orderId());
        StockLedger.move(tx, cancelled.orderId(), StockLedger.Move.RELEASED);
        sagaLog.recordConsumedAndMark(tx, cancelled.orderId(), RESERVATION, event, SagaStatus.COMPENSATED, null);
        publish(tx, new StockReleased(cancelled.orderId(), "order cancelled"), event);
    }

    /**
     * The reservation's deadline passed and its order never confirmed (called by the timeout scanner, which holds the
     * step row): the stock goes back and the order service is told with StockReleased.
     */
    void onTimeout(DSLContext tx, SagaStep step) {
        if (!RESERVATION.equals(step.step()) || step.status() != SagaStatus.PENDING) {
            return;
        }
        UUID orderId = step.sagaId();
        StockLedger.move(tx, orderId, StockLedger.Move.RELEASED);
        String reason = "reservation expired at " + step.deadlineAt() + " without a confirmation";
        sagaLog.markCompensating(tx, orderId, RESERVATION, reason);
        sagaLog.markCompensated(tx, orderId, RESERVATION);
        publishOwn(tx, new StockReleased(orderId, reason));
    }

    // ---- operator (admin HTTP, in the caller's transaction) ----------------------------------------------------

    /**
     * Moves a saga on from the inventory's side: a step given up on goes back to PENDING with its deadline now (the
     * scanner releases the stock on its next scan); otherwise the answer the reservations stand for is sent again
     * (StockReserved, StockCommitted or StockReleased), for an order service that never got it.
     */
    String retry(DSLContext tx, UUID orderId) {
        lockStep(tx, orderId);
        SagaStep step = sagaLog.step(tx, orderId, RESERVATION).orElse(null);
        if (step != null && step.status() == SagaStatus.FAILED && step.lastError() != null
                && step.lastError().startsWith(SagaQueries.STUCK_MARK)) {
            sagaLog.retry(tx, orderId, RESERVATION, Duration.ZERO);
            return "reservation step back to PENDING; the timeout scanner releases it on its next scan";
        }
        List<StockLedger.PricedReservation> rows = StockLedger.reservationsWithPrices(tx, orderId);
        if (rows.isEmpty()) {
            throw ApiException.notFound("id", "no reservation for order " + orderId);
        }
        if (rows.stream().anyMatch(r -> "COMMITTED".equals(r.status()))) {
            publishOwn(tx, new StockCommitted(orderId));
            return "StockCommitted re-sent";
        }
        if (rows.stream().allMatch(r -> "RELEASED".equals(r.status()))) {
            publishOwn(tx, new StockReleased(orderId, "re-sent by an operator"));
            return "StockReleased re-sent";
        }
        List<StockReserved.Line> lines = StockLedger.pricedLines(rows);
        publishOwn(tx, new StockReserved(orderId, lines, StockLedger.total(lines)));
        return "StockReserved re-sent";
    }

    /** Releases what is still reserved for the order (never sold stock) and tells the order service. */
    String compensate(DSLContext tx, UUID orderId) {
        lockStep(tx, orderId);
        Result<Record> rows = tx.fetch("SELECT status FROM reservation WHERE order_id = ?", orderId);
        if (rows.isEmpty()) {
            throw ApiException.notFound("id", "no reservation for order " + orderId);
        }
        if (rows.stream().anyMatch(r -> "COMMITTED".equals(r.get(0, String.class)))) {
            throw ApiException.conflict("status", "the stock of order " + orderId + " is sold (COMMITTED); "
                    + "a confirmed order is final");
        }
        StockLedger.move(tx, orderId, StockLedger.Move.RELEASED);
        sagaLog.markCompensating(tx, orderId, RESERVATION, "released by an operator");
        sagaLog.markCompensated(tx, orderId, RESERVATION);
        publishOwn(tx, new StockReleased(orderId, "released by an operator"));
        return "reservation released; StockReleased sent";
    }

    private void publishOwn(DSLContext tx, InventoryEvent reply) {
        Map<String, String> headers = new HashMap<>();
        headers.put(OutboxHeaders.SAGA_ID, reply.orderId().toString());
        headers.put(OutboxHeaders.CORRELATION_ID, reply.orderId().toString());
        sagaLog.publish(tx, outbox, reply.orderId(), RESERVATION, reply, headers, reservationTopic);
    }

    private static void lockStep(DSLContext tx, UUID orderId) {
        Sql.execute(tx, "SELECT 1 FROM saga_log WHERE saga_id = ? AND step = ? FOR UPDATE", orderId, RESERVATION);
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
        sagaLog.publish(tx, outbox, reply.orderId(), RESERVATION, reply, headers, reservationTopic);
    }
}
