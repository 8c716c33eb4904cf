package dev.outbox.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The sandbox's load: seeds customers and stock through the services' admin APIs, then places orders at a
 * steady rate (open loop: each order has its scheduled start, late requests are not skipped or re-timed) with a
 * mix that exercises every path of the saga.
 */
final class Workload {

    /** What an order is meant to exercise. */
    enum Kind {
        /** enough stock and credit: CONFIRMED */
        NORMAL,
        /** more than the stock: StockReservationFailed, REJECTED */
        STOCK_REJECTION,
        /** stock reserved, credit refused: REJECTED, OrderCancelled, stock released (the compensation) */
        CREDIT_REJECTION,
        /** the customer cancels right after placing it: CANCELLED while pending, or CONFIRMED if too late */
        CUSTOMER_CANCEL
    }

    static final int SKUS = 20;
    static final String SCARCE_SKU = "SKU-SCARCE";
    static final String BROKE_CUSTOMER = "c-broke";
    private static final int CUSTOMERS = 20;

    private final String orderUrl;
    private final String inventoryUrl;
    private final String adminToken;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final Random random;
    private final Map<Kind, AtomicInteger> placed = new EnumMap<>(Kind.class);
    private final AtomicInteger cancelAccepted = new AtomicInteger();
    private final AtomicInteger failedRequests = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();

    Workload(String orderUrl, String inventoryUrl, String adminToken, long seed) {
        this.orderUrl = orderUrl;
        this.inventoryUrl = inventoryUrl;
        this.adminToken = adminToken;
        this.random = new Random(seed);
        for (Kind kind : Kind.values()) {
            placed.put(kind, new AtomicInteger());
        }
    }

    /** Customers with ample credit, one with almost none; stock for every sku, and a scarce one. */
    void seed() {
        for (int c = 1; c <= CUSTOMERS; c++) {
            put(orderUrl + "/customers/c-" + c,
                    Map.of("name", "Customer " + c, "creditLimitCents", 1_000_000_000_000L));
        }
        put(orderUrl + "/customers/" + BROKE_CUSTOMER, Map.of("name", "Broke Customer", "creditLimitCents", 1));
        for (int s = 1; s <= SKUS; s++) {
            put(inventoryUrl + "/stock/SKU-" + s, Map.of("unitPriceCents", 100L * s, "available", 1_000_000));
        }
        put(inventoryUrl + "/stock/" + SCARCE_SKU, Map.of("unitPriceCents", 9_999L, "available", 5));
    }

    Kind pick() {
        double r = random.nextDouble();
        if (r < 0.08) {
            return Kind.STOCK_REJECTION;
        }
        if (r < 0.18) {
            return Kind.CREDIT_REJECTION;
        }
        if (r < 0.24) {
            return Kind.CUSTOMER_CANCEL;
        }
        return Kind.NORMAL;
    }

    Map<String, Object> orderFor(Kind kind) {
        String customer = kind == Kind.CREDIT_REJECTION ? BROKE_CUSTOMER : "c-" + (1 + random.nextInt(CUSTOMERS));
        List<Map<String, Object>> lines = new ArrayList<>();
        if (kind == Kind.STOCK_REJECTION) {
            lines.add(Map.of("sku", "SKU-" + (1 + random.nextInt(SKUS)), "quantity", 1));
            lines.add(Map.of("sku", SCARCE_SKU, "quantity", 1_000));
        } else {
            int count = 1 + random.nextInt(3);
            int first = random.nextInt(SKUS);
            for (int i = 0; i < count; i++) {
                lines.add(Map.of("sku", "SKU-" + (1 + (first + i) % SKUS), "quantity", 1 + random.nextInt(3)));
            }
        }
        return Map.of("customerId", customer, "lines", lines);
    }

    /**
     * Places {@code count} orders at {@code rate} per second with at most {@code concurrency} requests in flight;
     * {@code onPlaced} is told the running count. Returns when every request has been answered.
     */
    void run(int count, int rate, int concurrency, Runnable onPlaced) throws InterruptedException {
        Semaphore inFlight = new Semaphore(concurrency);
        long start = System.nanoTime();
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                long due = start + i * interval;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    // The open-loop schedule: the next order starts at its time, however the last one went.
                    LockSupport.parkNanos(wait);
                }
                Kind kind = pick();
                Map<String, Object> order = orderFor(kind);
                inFlight.acquire();
                executor.submit(() -> {
                    try {
                        place(kind, order);
                        onPlaced.run();
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
    }

    private void place(Kind kind, Map<String, Object> order) {
        try {
            HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(orderUrl + "/orders"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(order))));
            if (response.statusCode() != 202) {
                fail("POST /orders answered " + response.statusCode() + ": " + response.body());
                return;
            }
            placed.get(kind).incrementAndGet();
            if (kind == Kind.CUSTOMER_CANCEL) {
                JsonNode body = json.readTree(response.body());
                HttpResponse<String> cancel = send(HttpRequest.newBuilder(
                                URI.create(orderUrl + "/orders/" + body.get("orderId").asText() + "/cancel"))
                        .POST(HttpRequest.BodyPublishers.noBody()));
                if (cancel.statusCode() / 100 == 2) {
                    cancelAccepted.incrementAndGet();
                } else if (cancel.statusCode() != 409) {
                    fail("POST /orders/{id}/cancel answered " + cancel.statusCode() + ": " + cancel.body());
                }
            }
        } catch (IOException e) {
            fail("request failed: " + e);
        }
    }

    private void put(String url, Map<String, Object> body) {
        try {
            HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + adminToken)
                    .PUT(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))));
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("PUT " + url + " answered " + response.statusCode() + ": "
                        + response.body());
            }
        } catch (IOException e) {
            throw new IllegalStateException("PUT " + url + " failed: " + e, e);
        }
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException {
        try {
            return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private void fail(String error) {
        failedRequests.incrementAndGet();
        if (errors.size() < 10) {
            errors.add(error);
        }
    }

    int placed(Kind kind) {
        return placed.get(kind).get();
    }

    int placedTotal() {
        return placed.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    int cancelAccepted() {
        return cancelAccepted.get();
    }

    int failedRequests() {
        return failedRequests.get();
    }

    List<String> errors() {
        return List.copyOf(errors);
    }
}
