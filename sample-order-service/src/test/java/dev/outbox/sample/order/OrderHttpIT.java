package dev.outbox.sample.order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.sample.support.BadRequests;
import dev.outbox.sample.support.TestHttp;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Issue 5: bad HTTP input gets a 4xx with a JSON error naming the problem, never a 5xx; admin calls need the token. */
@OutboxInfraTest
class OrderHttpIT {

    static final String TOKEN = "order-admin-token-for-tests";
    static OrderService service;
    static TestHttp http;

    record Case(String method, String path, String body, String token, int status, String field) {
    }

    @BeforeAll
    static void start(TestDatabase database, Kafka kafka) {
        service = OrderService.start(OrderServiceConfig
                .of(database.jdbcUrl(), database.user(), database.password(), kafka.bootstrapServers(), TOKEN)
                .withHttpPort(0)
                .withMaxBodyBytes(2048)
                .withDbPoolSize(3)
                .withConsumerGroup("order-http-it")
                .withTopics("http-it.outbox.event.order", "http-it.outbox.event.reservation"));
        http = new TestHttp(service.port());
        assertThat(http.send("PUT", "/customers/alice", "{\"name\":\"Alice\",\"creditLimitCents\":100000}", TOKEN)
                .status()).isEqualTo(200);
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    @Test
    void badRequestsGetFourHundredsWithJsonErrorsNeverFiveHundreds() {
        List<Integer> before = rowCounts();
        String unknown = UUID.randomUUID().toString();
        String line = "{\"sku\":\"SKU-1\",\"quantity\":1}";
        List<Case> corpus = List.of(
                new Case("POST", "/orders", "{", null, 400, null),
                new Case("POST", "/orders", "", null, 400, null),
                new Case("POST", "/orders", "null", null, 400, null),
                new Case("POST", "/orders", "[]", null, 400, null),
                new Case("POST", "/orders", "\"text\"", null, 400, null),
                new Case("POST", "/orders", "{\"lines\":[" + line + "]}", null, 400, "customerId"),
                new Case("POST", "/orders", "{\"customerId\":\" \",\"lines\":[" + line + "]}", null, 400, "customerId"),
                new Case("POST", "/orders", "{\"customerId\":\"nobody\",\"lines\":[" + line + "]}", null, 400,
                        "customerId"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\"}", null, 400, "lines"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[]}", null, 400, "lines"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[null]}", null, 400, "lines[0]"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":{}}", null, 400, "lines"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[{\"quantity\":1}]}", null, 400,
                        "lines[0].sku"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"a b\",\"quantity\":1}]}",
                        null, 400, "lines[0].sku"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"A\"}]}", null, 400,
                        "lines[0].quantity"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"A\",\"quantity\":0}]}",
                        null, 400, "lines[0].quantity"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"A\",\"quantity\":-3}]}",
                        null, 400, "lines[0].quantity"),
                new Case("POST", "/orders",
                        "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"A\",\"quantity\":\"many\"}]}", null, 400,
                        "lines[0].quantity"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"A\",\"quantity\":1.5}]}",
                        null, 400, "lines[0].quantity"),
                new Case("POST", "/orders",
                        "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"A\",\"quantity\":99999999999}]}", null, 400,
                        null),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[" + line + "," + line + "]}",
                        null, 400, "lines[1].sku"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[" + line + "],\"x\":1}", null, 400,
                        "x"),
                new Case("POST", "/orders", "{\"customerId\":\"alice\",\"lines\":[" + line + "],\"pad\":\""
                        + "x".repeat(4000) + "\"}", null, 413, null),
                new Case("GET", "/orders/not-a-uuid", null, null, 404, "id"),
                new Case("GET", "/orders/" + unknown, null, null, 404, "id"),
                new Case("POST", "/orders/" + unknown + "/cancel", null, null, 404, "id"),
                new Case("DELETE", "/orders", null, null, 405, null),
                new Case("GET", "/orders", null, null, 405, null),
                new Case("GET", "/nothing-here", null, null, 404, null),
                new Case("GET", "/saga/status", null, null, 400, "order_id"),
                new Case("GET", "/saga/status?order_id=xyz", null, null, 400, "order_id"),
                new Case("GET", "/saga/status?order_id=" + unknown, null, null, 404, "order_id"),
                new Case("POST", "/saga/" + unknown + "/retry", null, TOKEN, 404, "id"),
                new Case("GET", "/customers/nobody", null, null, 404, "id"),
                new Case("PUT", "/customers/bob", "{\"name\":\"Bob\"}", TOKEN, 400, "creditLimitCents"),
                new Case("PUT", "/customers/bob", "{\"name\":\"Bob\",\"creditLimitCents\":-1}", TOKEN, 400,
                        "creditLimitCents"),
                new Case("PUT", "/customers/bob",
                        "{\"name\":\"Bob\",\"creditLimitCents\":10,\"creditAvailableCents\":11}", TOKEN, 400,
                        "creditAvailableCents"));

        SoftAssertions softly = new SoftAssertions();
        for (Case c : corpus) {
            TestHttp.Reply reply = http.send(c.method(), c.path(), c.body(), c.token());
            String what = c.method() + " " + c.path() + " " + abbreviate(c.body()) + " -> " + reply.raw();
            softly.assertThat(reply.status()).as(what).isEqualTo(c.status());
            softly.assertThat(reply.body()).as(what).isNotNull();
            if (reply.body() != null) {
                softly.assertThat(reply.body().path("error").asText()).as(what).isNotBlank();
                if (c.field() != null) {
                    softly.assertThat(reply.body().path("field").asText()).as(what).isEqualTo(c.field());
                }
            }
        }
        softly.assertAll();
        assertThat(rowCounts()).as("bad requests change nothing").isEqualTo(before);
    }

    @Test
    void aBodyThatIsNotUtf8IsABadRequest() {
        byte[] prefix = "{\"customerId\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] body = java.util.Arrays.copyOf(prefix, prefix.length + 4);
        // 0xC3 0x28 is not UTF-8: a lead byte followed by a non-continuation byte.
        body[prefix.length] = (byte) 0xC3;
        body[prefix.length + 1] = 0x28;
        body[prefix.length + 2] = '"';
        body[prefix.length + 3] = '}';
        TestHttp.Reply reply = http.sendBytes("POST", "/orders", body);
        assertThat(reply.status()).as(reply.raw()).isEqualTo(400);
        assertThat(reply.body().path("error").asText()).isNotBlank();
    }

    @Test
    void adminCallsWithoutTheBearerTokenGet401() {
        String id = UUID.randomUUID().toString();
        for (String token : new String[] {null, "wrong-token-wrong-token", ""}) {
            for (String path : List.of("/saga/" + id + "/retry", "/saga/" + id + "/compensate")) {
                TestHttp.Reply reply = http.send("POST", path, null, token);
                assertThat(reply.status()).as(path + " with token " + token).isEqualTo(401);
                assertThat(reply.body().path("error").asText()).contains("Bearer");
            }
            assertThat(http.send("PUT", "/customers/mallory", "{\"name\":\"M\",\"creditLimitCents\":1}", token)
                    .status()).isEqualTo(401);
        }
        assertThat(http.get("/customers/mallory").status()).isEqualTo(404);
    }

    @Test
    void placedOrderIsAcceptedPendingWithItsStatusUrl() {
        TestHttp.Reply placed = http.send("POST", "/orders",
                "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":2}]}", null);
        assertThat(placed.status()).isEqualTo(202);
        assertThat(placed.body().path("status").asText()).isEqualTo("PENDING");
        TestHttp.Reply order = http.get(placed.body().path("statusUrl").asText());
        assertThat(order.status()).isEqualTo(200);
        assertThat(order.body().path("lines").get(0).path("quantity").asInt()).isEqualTo(2);
        assertThat(http.get("/saga/status?order_id=" + placed.body().path("orderId").asText()).body()
                .path("steps").get(0).path("status").asText()).isEqualTo("PENDING");
    }

    @Test
    void rawBadRequestsGetAJsonFourHundredAndChangeNothing() {
        List<Integer> before = rowCounts();
        SoftAssertions softly = new SoftAssertions();
        BadRequests.assertRefused(service.port(), BadRequests.corpus("/orders",
                "{\"customerId\":\"%s\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":1}]}", "/customers/"), softly);
        TestHttp.Reply nulInPath = http.get("/customers/%00");
        softly.assertThat(nulInPath.status()).isEqualTo(400);
        softly.assertThat(nulInPath.body().path("field").asText()).isEqualTo("path");
        TestHttp.Reply nulInName = http.send("PUT", "/customers/carol",
                "{\"name\":\"Car\\u0000ol\",\"creditLimitCents\":1}", TOKEN);
        softly.assertThat(nulInName.status()).isEqualTo(400);
        softly.assertThat(nulInName.body().path("field").asText()).isEqualTo("name");
        TestHttp.Reply hugeLimit = http.send("PUT", "/customers/carol",
                "{\"name\":\"Carol\",\"creditLimitCents\":99999999999999999999999}", TOKEN);
        softly.assertThat(hugeLimit.status()).isEqualTo(400);
        softly.assertThat(hugeLimit.body().path("field").asText()).isEqualTo("creditLimitCents");
        softly.assertThat(http.send("POST", "/orders", "[]", null).raw()).doesNotContain("dev.outbox");
        softly.assertThat(http.send("POST", "/orders", "\"x\"", null).raw()).doesNotContain("dev.outbox");
        softly.assertAll();
        assertThat(rowCounts()).isEqualTo(before);
    }

    @Test
    void theSameIdempotencyKeyAndBodyGiveTheSameOrderAndAnotherBodyIsRefused() {
        String key = UUID.randomUUID().toString();
        String body = "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"SKU-9\",\"quantity\":1}]}";
        TestHttp.Reply first = http.sendWithHeader("POST", "/orders", body, IDEMPOTENCY_KEY, key);
        int ordersAfterFirst = count("orders");
        TestHttp.Reply again = http.sendWithHeader("POST", "/orders", body.replace(",", ", "), IDEMPOTENCY_KEY, key);
        TestHttp.Reply other = http.sendWithHeader("POST", "/orders", body.replace("\"quantity\":1", "\"quantity\":2"),
                IDEMPOTENCY_KEY, key);

        assertThat(first.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(200);
        assertThat(again.body().path("orderId").asText()).isEqualTo(first.body().path("orderId").asText());
        assertThat(other.status()).isEqualTo(422);
        assertThat(other.body().path("field").asText()).isEqualTo(IDEMPOTENCY_KEY);
        assertThat(count("orders")).isEqualTo(ordersAfterFirst);
        assertThat(http.sendWithHeader("POST", "/orders", body, IDEMPOTENCY_KEY, "bad key").status()).isEqualTo(400);
    }

    @Test
    void aRefusedPlacementRollsBackItsIdempotencyKeySoTheKeyCanStillBeUsed() {
        String key = UUID.randomUUID().toString();
        String unknownCustomer = "{\"customerId\":\"nobody\",\"lines\":[{\"sku\":\"SKU-7\",\"quantity\":1}]}";
        List<Integer> before = rowCounts();

        TestHttp.Reply refused = http.sendWithHeader("POST", "/orders", unknownCustomer, IDEMPOTENCY_KEY, key);

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.body().path("field").asText()).isEqualTo("customerId");
        assertThat(rowCounts()).isEqualTo(before);
        TestHttp.Reply placed = http.sendWithHeader("POST", "/orders", unknownCustomer.replace("nobody", "alice"),
                IDEMPOTENCY_KEY, key);
        assertThat(placed.status()).isEqualTo(202);
    }

    @Test
    void concurrentRequestsWithTheSameIdempotencyKeyMakeOneOrder() throws Exception {
        String key = UUID.randomUUID().toString();
        String body = "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"SKU-8\",\"quantity\":3}]}";
        int ordersBefore = count("orders");
        List<java.util.concurrent.CompletableFuture<TestHttp.Reply>> replies;
        try (var executor = java.util.concurrent.Executors.newFixedThreadPool(4)) {
            replies = java.util.stream.IntStream.range(0, 4)
                    .mapToObj(i -> java.util.concurrent.CompletableFuture.supplyAsync(
                            () -> http.sendWithHeader("POST", "/orders", body, IDEMPOTENCY_KEY, key), executor))
                    .toList();
        }

        List<String> orderIds = replies.stream().map(java.util.concurrent.CompletableFuture::join)
                .peek(reply -> assertThat(reply.status()).as(reply.raw()).isIn(200, 202))
                .map(reply -> reply.body().path("orderId").asText())
                .distinct().toList();
        assertThat(orderIds).hasSize(1);
        assertThat(count("orders")).isEqualTo(ordersBefore + 1);
    }

    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static int count(String table) {
        return service.dsl().fetchCount(org.jooq.impl.DSL.table(table));
    }

    private static List<Integer> rowCounts() {
        return List.of(count("orders"), count("order_line"), count("customer"), count("outbox"),
                count("saga_log"));
    }

    private static String abbreviate(String body) {
        return body == null ? "" : body.length() > 60 ? body.substring(0, 60) + "..." : body;
    }
}
