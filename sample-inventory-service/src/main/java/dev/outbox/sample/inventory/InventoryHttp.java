package dev.outbox.sample.inventory;

import dev.outbox.saga.SagaLog;
import dev.outbox.sample.support.AdminRoutes;
import dev.outbox.sample.support.ApiException;
import dev.outbox.sample.support.DeadLetters;
import dev.outbox.sample.support.HttpApi.Response;
import dev.outbox.sample.support.HttpApi;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.DSLContext;
import org.jooq.Record;

/** The inventory service's HTTP endpoints. */
final class InventoryHttp {

    static final Pattern SKU = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    record StockView(String sku, long unitPriceCents, int available, int reserved, int sold, int received,
            OffsetDateTime updatedAt) {
    }

    record ReservationView(String sku, int quantity, String status, OffsetDateTime createdAt,
            OffsetDateTime updatedAt) {
    }

    record Reservations(UUID orderId, List<ReservationView> reservations) {
    }

    private InventoryHttp() {
    }

    static HttpApi api(InventoryServiceConfig config, DSLContext dsl, SagaLog sagaLog, InventoryAdmin admin,
                       DeadLetters deadLetters) {
        HttpApi api = new HttpApi(config.maxBodyBytes(), config.adminToken());
        api.route("GET", "/saga/view", request -> Response.ok(admin.view(sagaLog, request.requiredQueryUuid("saga_id"))));
        api.route("POST", "/saga/([^/]+)/retry", request -> {
            request.requireAdmin();
            UUID sagaId = request.pathId(0, "saga");
            return new Response(202, Map.of("sagaId", sagaId, "action", admin.retry(sagaId)));
        });
        api.route("POST", "/saga/([^/]+)/compensate", request -> {
            request.requireAdmin();
            UUID sagaId = request.pathId(0, "saga");
            return new Response(202, Map.of("sagaId", sagaId, "action", admin.compensate(sagaId)));
        });
        AdminRoutes.register(api, dsl, deadLetters);
        api.route("GET", "/stock/([^/]+)", request -> Response.ok(stock(dsl, request.pathParam(0))));
        api.route("PUT", "/stock/([^/]+)", request -> {
            request.requireAdmin();
            String sku = request.pathParam(0);
            if (!SKU.matcher(sku).matches()) {
                throw ApiException.badRequest("sku", "sku must be 1-64 letters, digits, '.', '_' or '-'");
            }
            StockRequest body = request.body(StockRequest.class).validate();
            // `received` moves with every adjustment so that received = available + reserved + sold stays true.
            dsl.execute("""
                    INSERT INTO stock (sku, unit_price_cents, available, received) VALUES (?, ?, ?, ?)
                    ON CONFLICT (sku) DO UPDATE SET
                        unit_price_cents = excluded.unit_price_cents,
                        received         = stock.received + (excluded.available - stock.available),
                        available        = excluded.available,
                        updated_at       = now()""",
                    sku, body.unitPriceCents(), body.available(), body.available());
            return Response.ok(stock(dsl, sku));
        });
        api.route("GET", "/reservations", request -> {
            UUID orderId = request.requiredQueryUuid("order_id");
            List<ReservationView> rows = dsl.fetch("""
                            SELECT sku, quantity, status, created_at, updated_at FROM reservation
                            WHERE order_id = ? ORDER BY sku""", orderId)
                    .map(r -> new ReservationView(r.get(0, String.class), r.get(1, Integer.class),
                            r.get(2, String.class), r.get(3, OffsetDateTime.class), r.get(4, OffsetDateTime.class)));
            if (rows.isEmpty()) {
                throw ApiException.notFound("order_id", "no reservations for order " + orderId);
            }
            return Response.ok(new Reservations(orderId, rows));
        });
        api.route("GET", "/health", request -> Response.ok(Map.of("status", "UP")));
        return api;
    }

    private static StockView stock(DSLContext dsl, String sku) {
        Record r = dsl.fetchOne("""
                SELECT sku, unit_price_cents, available, reserved, sold, received, updated_at
                FROM stock WHERE sku = ?""", sku);
        if (r == null) {
            throw ApiException.notFound("sku", "unknown sku " + sku);
        }
        return new StockView(r.get(0, String.class), r.get(1, Long.class), r.get(2, Integer.class),
                r.get(3, Integer.class), r.get(4, Integer.class), r.get(5, Integer.class),
                r.get(6, OffsetDateTime.class));
    }
}
