package dev.outbox.sample.order;

import dev.outbox.Outbox;
import dev.outbox.OutboxHeaders;
import dev.outbox.consumer.ConsumedEvent;
import dev.outbox.consumer.NonRetriableException;
import dev.outbox.saga.SagaLog;
import dev.outbox.saga.SagaQueries;
import dev.outbox.saga.SagaStatus;
import dev.outbox.saga.SagaStep;
import dev.outbox.sample.order.InventoryReply.StockCommitFailed;
import dev.outbox.sample.order.InventoryReply.StockCommitted;
import dev.outbox.sample.order.InventoryReply.StockReleased;
import dev.outbox.sample.order.InventoryReply.StockReservationFailed;
import dev.outbox.sample.order.InventoryReply.StockReserved;
import dev.outbox.sample.order.OrderEvent.OrderCancelled;
import dev.outbox.sample.order.OrderEvent.OrderConfirmed;
import dev.outbox.sample.order.OrderEvent.OrderPlaced;
import dev.outbox.sample.support.ApiException;
import dev.outbox.sample.support.PlainTransaction;
import dev.outbox.sample.support.Sql;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The order side of the choreographed saga (docs/design.md, "The saga in the samples"). Saga id = order id. Steps in
 * {@code saga_log}: {@code reserve_stock} (PENDING with a deadline from the order until the inventory answers;
 * COMPENSATING then COMPENSATED when the order is cancelled or rejected after stock may have been reserved) and
 * {@code charge_credit}; {@code confirm_stock} (PENDING from the confirmation until the inventory acknowledges it with
 * StockCommitted). Compensations and confirmations have deadlines too: past them the timeout scanner re-sends
 * OrderCancelled or OrderConfirmed, backing off, and gives up (FAILED, "stuck: ...") after the attempt cap.
 *
 * <p>Every method runs in one transaction holding the domain change, the saga_log rows and the outbox rows (and, for
 * event handlers, the consumer's inbox row). Every writer locks the saga's {@code reserve_stock} row and then the order
 * row, the order in which the library's timeout scanner takes them, so that HTTP calls, event handlers and timeouts
 * on one saga are serialized without deadlocks.
 */
final class OrderSaga {

    private static final Logger log = LoggerFactory.getLogger(OrderSaga.class);

    static final String SAGA_TYPE = "order";
    static final String RESERVE_STOCK = "reserve_stock";
    static final String CHARGE_CREDIT = "charge_credit";
    static final String CONFIRM_STOCK = "confirm_stock";

    static final String PENDING = "PENDING";
    static final String CONFIRMED = "CONFIRMED";
    static final String REJECTED = "REJECTED";
    static final String CANCELLED = "CANCELLED";

    private final DSLContext dsl;
    private final Outbox outbox;
    private final SagaLog sagaLog;
    private final String orderTopic;
    private final Duration reserveDeadline;
    private final OrderOpsConfig ops;

    OrderSaga(DSLContext dsl, Outbox outbox, SagaLog sagaLog, String orderTopic, Duration reserveDeadline,
              OrderOpsConfig ops) {
        this.dsl = dsl;
        this.outbox = outbox;
        this.sagaLog = sagaLog;
        this.orderTopic = orderTopic;
        this.reserveDeadline = reserveDeadline;
        this.ops = ops;
    }

    // ---- commands (HTTP) -------------------------------------------------------------------------------------

    /** An order placed by {@link #place}: {@code replayed} when an earlier request with the same key made it. */
    record Placement(UUID orderId, boolean replayed) {
    }

    /** Step 1: order PENDING, the reserve_stock step with its deadline, OrderPlaced. */
    UUID place(PlaceOrderRequest request) {
        return place(request, null).orderId();
    }

    /**
     * Places an order; with an {@code idempotencyKey}, a request repeated with the same key and body answers with the
     * order the first one made, and the same key with another body is refused (422).
     */
    Placement place(PlaceOrderRequest request, String idempotencyKey) {
        return PlainTransaction.run(dsl, tx -> {
            UUID orderId = UUID.randomUUID();
            if (idempotencyKey != null) {
                UUID earlier = IdempotencyKeys.claim(tx, idempotencyKey, request, orderId);
                if (earlier != null) {
                    return new Placement(earlier, true);
                }
            }
            insertOrder(tx, orderId, request);
            return new Placement(orderId, false);
        });
    }

    private void insertOrder(DSLContext tx, UUID orderId, PlaceOrderRequest request) {
        int inserted = Sql.execute(tx, """
                INSERT INTO orders (id, customer_id, status, total_cents)
                SELECT ?, id, 'PENDING', 0 FROM customer WHERE id = ?""", orderId, request.customerId());
        if (inserted == 0) {
            throw ApiException.badRequest("customerId", "unknown customer " + request.customerId());
        }
        List<OrderPlaced.Line> lines = request.lines().stream()
                .map(l -> new OrderPlaced.Line(l.sku(), l.quantity()))
                .toList();
        List<Object[]> rows = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            rows.add(new Object[] {orderId, i + 1, lines.get(i).sku(), lines.get(i).quantity()});
        }
        // The price is the inventory's: it arrives with StockReserved.
        Sql.executeBatch(tx, """
                INSERT INTO order_line (order_id, line_no, sku, quantity, unit_price_cents)
                VALUES (?, ?, ?, ?, 0)""", rows);
        OrderPlaced placed = new OrderPlaced(orderId, request.customerId(), lines);
        sagaLog.startStep(tx, orderId, SAGA_TYPE, RESERVE_STOCK, placed, reserveDeadline);
        publish(tx, RESERVE_STOCK, placed);
        log.debug("order {} placed", orderId);
    }

    /** The customer's cancel: allowed while PENDING; the compensation releases whatever was reserved. */
    void cancelByCustomer(UUID orderId) {
        dsl.transaction(cfg -> {
            DSLContext tx = cfg.dsl();
            String status = lockSaga(tx, orderId);
            if (status == null) {
                throw ApiException.notFound("id", "no order " + orderId);
            }
            if (!PENDING.equals(status)) {
                throw ApiException.conflict("status",
                        "order " + orderId + " is " + status + "; only a PENDING order can be cancelled");
            }
            cancel(tx, orderId, CANCELLED, "cancelled by the customer");
        });
    }

    /**
     * Admin: move a stuck saga on. PENDING: OrderPlaced again with a new deadline; a compensation not acknowledged:
     * OrderCancelled again.
     */
    String retry(UUID orderId) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            String status = lockConfirmation(tx, orderId);
            if (status == null) {
                throw ApiException.notFound("id", "no saga " + orderId);
            }
            if (PENDING.equals(status)) {
                String customerId = tx.fetchOne("SELECT customer_id FROM orders WHERE id = ?", orderId)
                        .get(0, String.class);
                List<OrderPlaced.Line> lines = tx.fetch(
                                "SELECT sku, quantity FROM order_line WHERE order_id = ? ORDER BY line_no", orderId)
                        .map(r -> new OrderPlaced.Line(r.get(0, String.class), r.get(1, Integer.class)));
                // A new event id (the inventory's inbox drops a repeated one); the inventory answers a repeated
                // OrderPlaced from the reservation it already holds, so this never reserves twice.
                sagaLog.retry(tx, orderId, RESERVE_STOCK, reserveDeadline);
                publish(tx, RESERVE_STOCK, new OrderPlaced(orderId, customerId, lines));
                return "OrderPlaced re-sent; reserve_stock has a new deadline";
            }
            SagaStatus reserve = stepStatus(tx, orderId, RESERVE_STOCK);
            boolean ended = REJECTED.equals(status) || CANCELLED.equals(status);
            if (reserve == SagaStatus.COMPENSATING
                    || reserve == SagaStatus.FAILED && ended && givenUp(tx, orderId, RESERVE_STOCK)) {
                sagaLog.markCompensating(tx, orderId, RESERVE_STOCK, "compensation re-sent by an operator",
                        ops.compensationDeadline());
                resendCancellation(tx, orderId);
                return "OrderCancelled re-sent";
            }
            SagaStatus confirm = stepStatus(tx, orderId, CONFIRM_STOCK);
            if (CONFIRMED.equals(status) && confirm != null && confirm != SagaStatus.SUCCEEDED) {
                sagaLog.retry(tx, orderId, CONFIRM_STOCK, ops.confirmDeadline());
                publish(tx, CONFIRM_STOCK, new OrderConfirmed(orderId));
                return "OrderConfirmed re-sent; confirm_stock has a new deadline";
            }
            throw ApiException.conflict("status", "saga " + orderId + " is not stuck (order " + status
                    + "); nothing to retry");
        });
    }

    /** Admin: compensate. A PENDING order is cancelled; a REJECTED/CANCELLED one has its release sent again. */
    String compensate(UUID orderId) {
        return dsl.transactionResult(cfg -> {
            DSLContext tx = cfg.dsl();
            String status = lockSaga(tx, orderId);
            if (status == null) {
                throw ApiException.notFound("id", "no saga " + orderId);
            }
            switch (status) {
                case PENDING -> {
                    cancel(tx, orderId, CANCELLED, "compensated by an operator");
                    return "order cancelled; OrderCancelled sent";
                }
                case REJECTED, CANCELLED -> {
                    sagaLog.markCompensating(tx, orderId, RESERVE_STOCK, "compensation re-sent by an operator",
                            ops.compensationDeadline());
                    resendCancellation(tx, orderId);
                    return "OrderCancelled re-sent";
                }
                default -> throw ApiException.conflict("status", "order " + orderId
                        + " is CONFIRMED: its stock is sold and its credit charged; a confirmed order is final");
            }
        });
    }

    // ---- events (consumer transaction) ------------------------------------------------------------------------

    /** Step 3: charge the credit with a conditional update; confirm, or reject and compensate. */
    void onStockReserved(DSLContext tx, StockReserved reply, ConsumedEvent event) {
        requireOrderId(reply, event);
        if (reply.totalCents() < 0 || reply.lines() == null) {
            throw new NonRetriableException("StockReserved " + event.eventId() + " has no lines or a negative total");
        }
        UUID orderId = reply.orderId();
        String status = lockSaga(tx, orderId);
        if (status == null) {
            log.warn("StockReserved {} for unknown order {}; ignored", event.eventId(), orderId);
            return;
        }
        if (!PENDING.equals(status)) {
            sagaLog.recordConsumed(tx, orderId, RESERVE_STOCK, event);
            if (!CONFIRMED.equals(status)) {
                // Step 5: stock is held for an order that no longer wants it: release it (idempotent downstream).
                log.info("late StockReserved for {} order {}: answering with OrderCancelled", status, orderId);
                resendCancellation(tx, orderId);
            }
            return;
        }
        sagaLog.recordConsumedAndMark(tx, orderId, RESERVE_STOCK, event, SagaStatus.SUCCEEDED, null);
        long total = reply.totalCents();
        String customerId = OrderCharges.priceOrder(tx, orderId, reply.lines(), total);
        // The charge begins and ends in this transaction: its step is written once, in its outcome.
        Map<String, Object> charge = Map.of("customerId", customerId, "amountCents", total);
        if (OrderCharges.chargeAndConfirm(tx, orderId, customerId, total)) {
            sagaLog.recordFinishedStep(tx, orderId, SAGA_TYPE, CHARGE_CREDIT, charge, SagaStatus.SUCCEEDED, null);
            // The Confirm of the TCC: acknowledged by StockCommitted, re-sent by the scanner until then.
            sagaLog.startStep(tx, orderId, SAGA_TYPE, CONFIRM_STOCK, Map.of(), ops.confirmDeadline());
            publish(tx, CONFIRM_STOCK, new OrderConfirmed(orderId));
        } else {
            String reason = "insufficient credit: the order costs " + total + " cents, more than customer "
                    + customerId + " has available";
            sagaLog.recordFinishedStep(tx, orderId, SAGA_TYPE, CHARGE_CREDIT, charge, SagaStatus.FAILED, reason);
            cancel(tx, orderId, REJECTED, reason);
        }
    }

    /** Step 3, failure branch: nothing was reserved, so there is nothing to compensate. */
    void onStockReservationFailed(DSLContext tx, StockReservationFailed reply, ConsumedEvent event) {
        requireOrderId(reply, event);
        UUID orderId = reply.orderId();
        String status = lockSaga(tx, orderId);
        if (status == null) {
            log.warn("StockReservationFailed {} for unknown order {}; ignored", event.eventId(), orderId);
            return;
        }
        if (!PENDING.equals(status)) {
            sagaLog.recordConsumed(tx, orderId, RESERVE_STOCK, event);
            return;
        }
        String reason = "out of stock: " + reply.reason();
        Sql.execute(tx, """
                UPDATE orders SET status = 'REJECTED', reason = ?, updated_at = now()
                WHERE id = ? AND status = 'PENDING'""", reason, orderId);
        sagaLog.recordConsumedAndMark(tx, orderId, RESERVE_STOCK, event, SagaStatus.FAILED, reason);
    }

    /** Step 4 acknowledged: the inventory released what it held; the compensation is complete. */
    void onStockReleased(DSLContext tx, StockReleased reply, ConsumedEvent event) {
        requireOrderId(reply, event);
        UUID orderId = reply.orderId();
        String status = lockSaga(tx, orderId);
        if (status == null) {
            log.warn("StockReleased {} for unknown order {}; ignored", event.eventId(), orderId);
            return;
        }
        if (PENDING.equals(status)) {
            // The inventory gave the stock back on its own (its reservation expired): the order cannot go on.
            String reason = "stock released by the inventory: " + (reply.reason() == null ? "no reason" : reply.reason());
            Sql.execute(tx, """
                    UPDATE orders SET status = 'REJECTED', reason = ?, updated_at = now()
                    WHERE id = ? AND status = 'PENDING'""", reason, orderId);
        }
        sagaLog.recordConsumedAndMark(tx, orderId, RESERVE_STOCK, event, SagaStatus.COMPENSATED, null);
    }

    /** The inventory's Confirm is done: the confirmation is acknowledged. */
    void onStockCommitted(DSLContext tx, StockCommitted reply, ConsumedEvent event) {
        requireOrderId(reply, event);
        UUID orderId = reply.orderId();
        if (lockConfirmation(tx, orderId) == null) {
            log.warn("StockCommitted {} for unknown order {}; ignored", event.eventId(), orderId);
            return;
        }
        sagaLog.recordConsumedAndMark(tx, orderId, CONFIRM_STOCK, event, SagaStatus.SUCCEEDED, null);
    }

    /** The inventory could not sell the stock of a confirmed order: an operator must decide (refund or restock). */
    void onStockCommitFailed(DSLContext tx, StockCommitFailed reply, ConsumedEvent event) {
        requireOrderId(reply, event);
        UUID orderId = reply.orderId();
        if (lockConfirmation(tx, orderId) == null) {
            log.warn("StockCommitFailed {} for unknown order {}; ignored", event.eventId(), orderId);
            return;
        }
        sagaLog.recordConsumedAndMark(tx, orderId, CONFIRM_STOCK, event, SagaStatus.FAILED,
                SagaQueries.STUCK_MARK + reply.reason());
        log.warn("order {} is CONFIRMED but the inventory could not commit its stock: {}", orderId, reply.reason());
    }

    /**
     * Step 5: the reserve_stock deadline passed (called by the library's scanner, which holds the step's row). A
     * PENDING order is cancelled and compensated.
     */
    void onTimeout(DSLContext tx, SagaStep step) {
        UUID orderId = step.sagaId();
        if (CONFIRM_STOCK.equals(step.step())) {
            resendConfirmation(tx, step);
            return;
        }
        if (!RESERVE_STOCK.equals(step.step())) {
            return;
        }
        String status = lockOrder(tx, orderId);
        if (step.status() == SagaStatus.COMPENSATING) {
            // No StockReleased yet: say it again; the scanner backs off and gives up at the attempt cap.
            resendCancellation(tx, orderId);
            return;
        }
        if (PENDING.equals(status)) {
            sagaLog.markTimedOut(tx, orderId, RESERVE_STOCK, "no answer from the inventory by " + step.deadlineAt());
            cancel(tx, orderId, CANCELLED, "timed out waiting for the stock reservation");
        }
    }

    /** No StockCommitted by the deadline: OrderConfirmed again (the Confirm is idempotent), or give up at the cap. */
    private void resendConfirmation(DSLContext tx, SagaStep step) {
        UUID orderId = step.sagaId();
        lockOrder(tx, orderId);
        if (step.attempts() >= ops.maxAttempts()) {
            sagaLog.markFailed(tx, orderId, CONFIRM_STOCK, SagaQueries.STUCK_MARK + "OrderConfirmed not acknowledged "
                    + "after " + step.attempts() + " attempts");
            return;
        }
        sagaLog.retry(tx, orderId, CONFIRM_STOCK, ops.confirmDeadline());
        publish(tx, CONFIRM_STOCK, new OrderConfirmed(orderId));
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** Ends a PENDING order as REJECTED or CANCELLED and starts the compensation (OrderCancelled, then release). */
    private void cancel(DSLContext tx, UUID orderId, String newStatus, String reason) {
        Sql.execute(tx, """
                UPDATE orders SET status = ?, reason = ?, updated_at = now()
                WHERE id = ? AND status = 'PENDING'""", newStatus, reason, orderId);
        sagaLog.markCompensating(tx, orderId, RESERVE_STOCK, reason, ops.compensationDeadline());
        publish(tx, RESERVE_STOCK, new OrderCancelled(orderId, reason));
    }

    private void resendCancellation(DSLContext tx, UUID orderId) {
        String reason = tx.fetchOne("SELECT coalesce(reason, status) FROM orders WHERE id = ?", orderId)
                .get(0, String.class);
        publish(tx, RESERVE_STOCK, new OrderCancelled(orderId, reason));
    }

    private void publish(DSLContext tx, String step, OrderEvent event) {
        Map<String, String> headers = new HashMap<>(OutboxHeaders.saga(event.orderId()));
        headers.put(OutboxHeaders.CORRELATION_ID, event.orderId().toString());
        sagaLog.publish(tx, outbox, event.orderId(), step, event, headers, orderTopic);
    }

    /** A reply without an order id can never be applied: straight to the dead-letter topic, no retries. */
    private static void requireOrderId(InventoryReply reply, ConsumedEvent event) {
        if (reply.orderId() == null) {
            throw new NonRetriableException(event.type() + " " + event.eventId() + " has no orderId");
        }
    }

    private SagaStatus stepStatus(DSLContext tx, UUID orderId, String step) {
        return sagaLog.step(tx, orderId, step).map(SagaStep::status).orElse(null);
    }

    /**
     * Locks the saga (its reserve_stock row, then the order row) for this transaction.
     *
     * @return the order's status; null when there is no such order
     */
    private static String lockSaga(DSLContext tx, UUID orderId) {
        return lockStepsThenOrder(tx, orderId, RESERVE_STOCK, RESERVE_STOCK);
    }

    /**
     * Locks the saga for a reply to the confirmation: reserve_stock, then confirm_stock (the row the scanner holds
     * when it re-sends), then the order; the scanner takes confirm_stock then the order, so no cycle.
     */
    private static String lockConfirmation(DSLContext tx, UUID orderId) {
        return lockStepsThenOrder(tx, orderId, RESERVE_STOCK, CONFIRM_STOCK);
    }

    /**
     * One round trip for the saga's locks: the step rows (reserve_stock first: the sort comes before the locks),
     * then the order row. The step count is an init plan of the order's query, so PostgreSQL takes the step locks
     * before it reads the order.
     *
     * @return the order's status; null when there is no such order
     */
    private static String lockStepsThenOrder(DSLContext tx, UUID orderId, String firstStep, String secondStep) {
        return Sql.query(tx, """
                        WITH steps AS MATERIALIZED (
                            SELECT 1 FROM saga_log WHERE saga_id = ? AND step IN (?, ?)
                            ORDER BY step = ? FOR UPDATE
                        )
                        SELECT status FROM orders WHERE id = ? AND (SELECT count(*) FROM steps) >= 0 FOR UPDATE""",
                        row -> row.getString(1), orderId, firstStep, secondStep, CONFIRM_STOCK, orderId)
                .stream().findFirst().orElse(null);
    }

    private boolean givenUp(DSLContext tx, UUID orderId, String step) {
        return sagaLog.step(tx, orderId, step)
                .map(s -> s.lastError() != null && s.lastError().startsWith(SagaQueries.STUCK_MARK))
                .orElse(false);
    }

    private static String lockOrder(DSLContext tx, UUID orderId) {
        return tx.fetchOptional("SELECT status FROM orders WHERE id = ? FOR UPDATE", orderId)
                .map(r -> r.get(0, String.class))
                .orElse(null);
    }
}
