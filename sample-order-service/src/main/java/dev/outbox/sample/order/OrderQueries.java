package dev.outbox.sample.order;

import com.fasterxml.jackson.databind.JsonNode;
import dev.outbox.saga.SagaLog;
import dev.outbox.saga.SagaStatus;
import dev.outbox.saga.SagaStep;
import dev.outbox.saga.SagaView;
import dev.outbox.sample.support.ApiException;
import dev.outbox.sample.support.SagaTimeline;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;

/** Read models of the HTTP API: an order, a customer, the saga status view. */
final class OrderQueries {

    record OrderView(UUID orderId, String customerId, String status, long totalCents, String reason,
            List<LineView> lines, OffsetDateTime createdAt, OffsetDateTime updatedAt, String statusUrl,
            String sagaUrl) {
    }

    record LineView(int lineNo, String sku, int quantity, long unitPriceCents) {
    }

    record CustomerView(String id, String name, long creditLimitCents, long creditAvailableCents) {
    }

    /**
     * The saga status view: {@code state} is the library's summary of the steps (RUNNING, COMPLETED, COMPENSATED,
     * FAILED); {@code terminal} is true once the order left PENDING and no step is PENDING or COMPENSATING.
     */
    record SagaStatusView(UUID sagaId, String sagaType, UUID orderId, String state, boolean terminal,
            String orderStatus, String reason, List<SagaStep> steps, List<EventView> events, WholeChain wholeChain) {
    }

    /**
     * Both services' parts merged: every step of either, every event with its path, the inventory's own view
     * (reservations included) as it answered, and where the saga waits now.
     */
    record WholeChain(String waitingOn, List<SagaWholeChain.StepLine> steps, List<SagaWholeChain.EventPath> events,
            JsonNode inventory) {
    }

    /** An event exchanged: published by this service, or an inventory reply it consumed. */
    record EventView(UUID eventId, String direction, String type, String topic, Integer partition, Long offset,
            OffsetDateTime occurredAt) {
    }

    private final DSLContext dsl;
    private final SagaLog sagaLog;
    private final InventoryClient inventory;

    OrderQueries(DSLContext dsl, SagaLog sagaLog, InventoryClient inventory) {
        this.dsl = dsl;
        this.sagaLog = sagaLog;
        this.inventory = inventory;
    }

    OrderView order(UUID orderId) {
        Record row = dsl.fetchOne("""
                SELECT id, customer_id, status, total_cents, reason, created_at, updated_at
                FROM orders WHERE id = ?""", orderId);
        if (row == null) {
            throw ApiException.notFound("id", "no order " + orderId);
        }
        List<LineView> lines = dsl.fetch("""
                        SELECT line_no, sku, quantity, unit_price_cents FROM order_line
                        WHERE order_id = ? ORDER BY line_no""", orderId)
                .map(r -> new LineView(r.get(0, Integer.class), r.get(1, String.class), r.get(2, Integer.class),
                        r.get(3, Long.class)));
        return new OrderView(orderId, row.get(1, String.class), row.get(2, String.class), row.get(3, Long.class),
                row.get(4, String.class), lines, row.get(5, OffsetDateTime.class), row.get(6, OffsetDateTime.class),
                "/orders/" + orderId, "/saga/status?order_id=" + orderId);
    }

    CustomerView customer(String id) {
        Record row = dsl.fetchOne(
                "SELECT id, name, credit_limit_cents, credit_available_cents FROM customer WHERE id = ?", id);
        if (row == null) {
            throw ApiException.notFound("id", "no customer " + id);
        }
        return new CustomerView(row.get(0, String.class), row.get(1, String.class), row.get(2, Long.class),
                row.get(3, Long.class));
    }

    /**
     * The whole flow as this service saw it: its steps, the events it published and the inventory replies it
     * consumed, in the order they happened. A published event's Kafka coordinates come from the inventory's view,
     * which recorded them when it consumed the event; until then they are null.
     */
    SagaStatusView sagaStatus(UUID orderId) {
        Record order = dsl.fetchOne("SELECT status, reason FROM orders WHERE id = ?", orderId);
        if (order == null) {
            throw ApiException.notFound("order_id", "no saga for order " + orderId);
        }
        SagaView view = sagaLog.status(dsl, orderId)
                .orElse(new SagaView(orderId, OrderSaga.SAGA_TYPE, "RUNNING", List.of(), List.of()));
        JsonNode inventoryView = inventory.sagaView(orderId);
        Map<UUID, JsonNode> seenByInventory = seenByInventory(inventoryView);
        // Events of one transaction share its timestamp; a consumed event caused the ones published with it, so it
        // comes first.
        List<EventView> events = dsl.fetch("""
                        SELECT event_id, direction, type, topic, kafka_partition, kafka_offset, occurred_at
                        FROM saga_event WHERE saga_id = ?
                        ORDER BY occurred_at, CASE direction WHEN 'CONSUMED' THEN 0 ELSE 1 END, event_id""", orderId)
                .map(r -> withCoordinates(new EventView(r.get(0, UUID.class), r.get(1, String.class),
                        r.get(2, String.class), r.get(3, String.class), r.get(4, Integer.class), r.get(5, Long.class),
                        r.get(6, OffsetDateTime.class)), seenByInventory));
        String orderStatus = order.get(0, String.class);
        boolean open = view.steps().stream()
                .anyMatch(s -> s.status() == SagaStatus.PENDING || s.status() == SagaStatus.COMPENSATING);
        return new SagaStatusView(orderId, view.sagaType(), orderId, view.state(),
                !open && !OrderSaga.PENDING.equals(orderStatus), orderStatus, order.get(1, String.class),
                view.steps(), events, wholeChain(orderId, view.steps(), inventoryView));
    }

    /** The events the inventory consumed, by id, with the Kafka coordinates it recorded. */
    private static Map<UUID, JsonNode> seenByInventory(JsonNode inventoryView) {
        Map<UUID, JsonNode> seen = new HashMap<>();
        for (JsonNode event : inventoryView.path("events")) {
            if ("CONSUMED".equals(event.path("direction").asText()) && event.path("partition").isNumber()
                    && event.path("eventId").isTextual()) {
                seen.put(UUID.fromString(event.path("eventId").asText()), event);
            }
        }
        return seen;
    }

    static EventView withCoordinates(EventView event, Map<UUID, JsonNode> seenByInventory) {
        JsonNode seen = seenByInventory.get(event.eventId());
        if (event.partition() != null || seen == null) {
            return event;
        }
        return new EventView(event.eventId(), event.direction(), event.type(), seen.path("topic").asText(),
                seen.path("partition").asInt(), seen.path("offset").asLong(), event.occurredAt());
    }

    private WholeChain wholeChain(UUID sagaId, List<SagaStep> orderSteps, JsonNode inventoryView) {
        List<SagaWholeChain.StepLine> steps = SagaWholeChain.steps(orderSteps, inventoryView);
        return new WholeChain(SagaWholeChain.waitingOn(steps, Instant.now()), steps,
                SagaWholeChain.events(SagaTimeline.events(dsl, "order", sagaId, "relayed_at"), inventoryView), inventoryView);
    }
}
