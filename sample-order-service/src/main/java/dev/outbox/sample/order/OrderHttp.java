package dev.outbox.sample.order;

import dev.outbox.sample.support.AdminRoutes;
import dev.outbox.sample.support.ApiException;
import dev.outbox.sample.support.DeadLetters;
import dev.outbox.sample.support.Json;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import dev.outbox.sample.support.HttpApi.Response;
import dev.outbox.sample.support.HttpApi;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.jooq.DSLContext;

/** The order service's HTTP endpoints. */
final class OrderHttp {

    /** Body of {@code PUT /customers/{id}}; credit available defaults to the whole limit. */
    record CustomerRequest(String name, Long creditLimitCents, Long creditAvailableCents) {
        CustomerRequest validate() {
            if (name == null || name.isBlank()) {
                throw ApiException.badRequest("name", "name is required");
            }
            if (creditLimitCents == null) {
                throw ApiException.badRequest("creditLimitCents", "creditLimitCents is required");
            }
            if (creditLimitCents < 0) {
                throw ApiException.badRequest("creditLimitCents", "creditLimitCents must not be negative");
            }
            if (creditAvailableCents != null && (creditAvailableCents < 0 || creditAvailableCents > creditLimitCents)) {
                throw ApiException.badRequest("creditAvailableCents",
                        "creditAvailableCents must be between 0 and creditLimitCents");
            }
            return this;
        }
    }

    private OrderHttp() {
    }

    /**
     * The inventory's admin calls passed on with its token, so that one page (the console) served here can act on
     * both services: {@code /admin/inventory/...} answers what the inventory answered.
     */
    private static void inventoryAdminRoutes(HttpApi api, InventoryClient inventory) {
        api.route("POST", "/admin/inventory/saga/([^/]+)/(retry|compensate)", request -> {
            request.requireAdmin();
            UUID sagaId = request.pathId(0, "saga");
            return passOn(inventory.admin("POST", "/saga/" + sagaId + "/" + request.pathParam(1), null));
        });
        api.route("GET", "/admin/inventory/(sagas|dead-letters|gauges)", request -> {
            request.requireAdmin();
            StringBuilder query = new StringBuilder();
            for (String name : new String[] {"stuck", "status", "step", "saga_type", "older_than", "limit"}) {
                String value = request.query(name);
                if (value != null) {
                    query.append(query.isEmpty() ? "?" : "&").append(name).append('=')
                            .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
                }
            }
            return passOn(inventory.admin("GET", "/admin/" + request.pathParam(0) + query, null));
        });
        api.route("POST", "/admin/inventory/dead-letters/replay", request -> {
            request.requireAdmin();
            AdminRoutes.ReplayRequest body = request.body(AdminRoutes.ReplayRequest.class);
            return passOn(inventory.admin("POST", "/admin/dead-letters/replay",
                    Json.EVENTS.writeValueAsString(body)));
        });
    }

    private static Response passOn(InventoryClient.Answer answer) {
        return new Response(answer.status(), answer.body());
    }

    static HttpApi api(OrderServiceConfig config, DSLContext dsl, OrderSaga saga, OrderQueries queries,
                       DeadLetters deadLetters, InventoryClient inventory) {
        HttpApi api = new HttpApi(config.maxBodyBytes(), config.adminToken());
        AdminRoutes.register(api, dsl, deadLetters);
        inventoryAdminRoutes(api, inventory);
        // The saga console: a page and its script; its calls carry the admin token the operator types in.
        api.staticFiles("console", "console", "index.html", "console.js");
        api.route("POST", "/orders", request -> {
            String key = IdempotencyKeys.validate(request.header(IdempotencyKeys.HEADER));
            PlaceOrderRequest body = request.body(PlaceOrderRequest.class).validate();
            OrderSaga.Placement placement = saga.place(body, key);
            UUID orderId = placement.orderId();
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("orderId", orderId);
            answer.put("status", placement.replayed() ? queries.order(orderId).status() : OrderSaga.PENDING);
            answer.put("statusUrl", "/orders/" + orderId);
            answer.put("sagaUrl", "/saga/status?order_id=" + orderId);
            // A replay answers 200: nothing new was accepted.
            return new Response(placement.replayed() ? 200 : 202, answer);
        });
        api.route("GET", "/orders/([^/]+)", request -> Response.ok(queries.order(request.pathId(0, "order"))));
        api.route("POST", "/orders/([^/]+)/cancel", request -> {
            UUID orderId = request.pathId(0, "order");
            saga.cancelByCustomer(orderId);
            return new Response(202, queries.order(orderId));
        });
        api.route("GET", "/saga/status", request -> {
            UUID orderId = request.requiredQueryUuid("order_id");
            return Response.ok(queries.sagaStatus(orderId));
        });
        api.route("POST", "/saga/([^/]+)/retry", request -> {
            request.requireAdmin();
            UUID sagaId = request.pathId(0, "saga");
            return new Response(202, Map.of("sagaId", sagaId, "action", saga.retry(sagaId)));
        });
        api.route("POST", "/saga/([^/]+)/compensate", request -> {
            request.requireAdmin();
            UUID sagaId = request.pathId(0, "saga");
            return new Response(202, Map.of("sagaId", sagaId, "action", saga.compensate(sagaId)));
        });
        api.route("GET", "/customers/([^/]+)", request -> Response.ok(queries.customer(request.pathParam(0))));
        api.route("PUT", "/customers/([^/]+)", request -> {
            request.requireAdmin();
            String id = request.pathParam(0);
            if (!PlaceOrderRequest.CUSTOMER_ID.matcher(id).matches()) {
                throw ApiException.badRequest("id", "customer id must be 1-64 letters, digits, '.', '_' or '-'");
            }
            CustomerRequest body = request.body(CustomerRequest.class).validate();
            long available = body.creditAvailableCents() == null
                    ? body.creditLimitCents()
                    : body.creditAvailableCents();
            dsl.execute("""
                    INSERT INTO customer (id, name, credit_limit_cents, credit_available_cents) VALUES (?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                        credit_limit_cents = excluded.credit_limit_cents,
                        credit_available_cents = excluded.credit_available_cents, updated_at = now()""",
                    id, body.name(), body.creditLimitCents(), available);
            return Response.ok(queries.customer(id));
        });
        api.route("GET", "/health", request -> Response.ok(Map.of("status", "UP")));
        return api;
    }
}
