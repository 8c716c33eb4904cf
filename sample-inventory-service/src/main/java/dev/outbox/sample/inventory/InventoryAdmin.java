package dev.outbox.sample.inventory;

import dev.outbox.saga.SagaLog;
import dev.outbox.saga.SagaStep;
import dev.outbox.saga.SagaView;
import dev.outbox.sample.support.ApiException;
import dev.outbox.sample.support.SagaTimeline;
import dev.outbox.sample.support.SagaTimeline.TimelineEvent;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;

/** The inventory's view of one saga, and the operator's retry and compensate, each in its own transaction. */
final class InventoryAdmin {

    /** The inventory's part of a saga: its step, its events, and the reservations behind them. */
    record InventorySagaView(String service, UUID sagaId, List<SagaStep> steps, List<TimelineEvent> events,
                             List<InventoryHttp.ReservationView> reservations) {
    }

    static final String SERVICE = "inventory";

    private final DSLContext dsl;
    private final Inventory inventory;

    InventoryAdmin(DSLContext dsl, Inventory inventory) {
        this.dsl = dsl;
        this.inventory = inventory;
    }

    InventorySagaView view(SagaLog sagaLog, UUID sagaId) {
        List<SagaStep> steps = sagaLog.status(dsl, sagaId).map(SagaView::steps).orElse(List.of());
        List<TimelineEvent> events = SagaTimeline.events(dsl, SERVICE, sagaId, "relayed_at");
        List<InventoryHttp.ReservationView> reservations = dsl.fetch("""
                        SELECT sku, quantity, status, created_at, updated_at FROM reservation
                        WHERE order_id = ? ORDER BY sku""", sagaId)
                .map(r -> new InventoryHttp.ReservationView(r.get(0, String.class), r.get(1, Integer.class),
                        r.get(2, String.class), r.get(3, OffsetDateTime.class), r.get(4, OffsetDateTime.class)));
        if (steps.isEmpty() && events.isEmpty() && reservations.isEmpty()) {
            throw ApiException.notFound("saga_id", "the inventory knows nothing of saga " + sagaId);
        }
        return new InventorySagaView(SERVICE, sagaId, steps, events, reservations);
    }

    String retry(UUID sagaId) {
        return dsl.transactionResult(cfg -> inventory.retry(cfg.dsl(), sagaId));
    }

    String compensate(UUID sagaId) {
        return dsl.transactionResult(cfg -> inventory.compensate(cfg.dsl(), sagaId));
    }
}
