package dev.outbox.sample.order;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.outbox.sample.support.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

/**
 * The inventory's HTTP API as the order service reads it: its part of a saga, and the operator's calls passed on with
 * the inventory's admin token. A failure never fails the caller's page: it is answered as {"error": ...}.
 */
final class InventoryClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final URI base;
    private final String adminToken;
    private final HttpClient http;

    InventoryClient(OrderOpsConfig ops) {
        this.base = ops.inventoryUrl();
        this.adminToken = ops.inventoryAdminToken();
        this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    boolean configured() {
        return base != null;
    }

    /** The inventory's view of saga {@code sagaId}: its steps, events and reservations, or {"error"}. */
    JsonNode sagaView(UUID sagaId) {
        return call("GET", "/saga/view?saga_id=" + sagaId, false).body();
    }

    /** An admin call on the inventory (for the console): status and JSON answer. */
    Answer admin(String method, String pathAndQuery, String jsonBody) {
        if (adminToken == null || adminToken.isBlank()) {
            return new Answer(409, error("ORDER_INVENTORY_ADMIN_TOKEN is not set: the order service cannot act on "
                    + "the inventory; call the inventory's admin API directly"));
        }
        return call(method, pathAndQuery, true, jsonBody);
    }

    record Answer(int status, JsonNode body) {
    }

    private Answer call(String method, String pathAndQuery, boolean admin) {
        return call(method, pathAndQuery, admin, null);
    }

    private Answer call(String method, String pathAndQuery, boolean admin, String jsonBody) {
        if (base == null) {
            return new Answer(409, error("ORDER_INVENTORY_URL is not set: the inventory's part is not shown"));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(TIMEOUT)
                .method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(jsonBody))
                .header("Content-Type", "application/json");
        if (admin) {
            request.header("Authorization", "Bearer " + adminToken);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), Json.EVENTS.readTree(response.body()));
        } catch (IOException e) {
            return new Answer(502, error("the inventory at " + base + " did not answer: " + e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(503, error("interrupted while asking the inventory"));
        }
    }

    private static ObjectNode error(String message) {
        return JsonNodeFactory.instance.objectNode().put("error", message);
    }
}
