package dev.outbox.sample.inventory;

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

/** Issue 5: bad HTTP input gets a 4xx with a JSON error naming the problem, never a 5xx; PUT /stock needs the token. */
@OutboxInfraTest
class InventoryHttpIT {

    static final String TOKEN = "inventory-admin-token-for-tests";
    static InventoryService service;
    static TestHttp http;

    record Case(String method, String path, String body, String token, int status, String field) {
    }

    @BeforeAll
    static void start(TestDatabase database, Kafka kafka) {
        service = InventoryService.start(InventoryServiceConfig
                .of(database.jdbcUrl(), database.user(), database.password(), kafka.bootstrapServers(), TOKEN)
                .withHttpPort(0)
                .withMaxBodyBytes(1024)
                .withDbPoolSize(3)
                .withConsumerGroup("inventory-http-it")
                .withTopics("inv-http-it.outbox.event.order", "inv-http-it.outbox.event.reservation"));
        http = new TestHttp(service.port());
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
        List<Case> corpus = List.of(
                new Case("GET", "/stock/NOPE", null, null, 404, "sku"),
                new Case("PUT", "/stock/S1", "{", TOKEN, 400, null),
                new Case("PUT", "/stock/S1", "", TOKEN, 400, null),
                new Case("PUT", "/stock/S1", "[1]", TOKEN, 400, null),
                new Case("PUT", "/stock/S1", "{\"available\":3}", TOKEN, 400, "unitPriceCents"),
                new Case("PUT", "/stock/S1", "{\"unitPriceCents\":3}", TOKEN, 400, "available"),
                new Case("PUT", "/stock/S1", "{\"unitPriceCents\":-1,\"available\":3}", TOKEN, 400, "unitPriceCents"),
                new Case("PUT", "/stock/S1", "{\"unitPriceCents\":1,\"available\":-3}", TOKEN, 400, "available"),
                new Case("PUT", "/stock/S1", "{\"unitPriceCents\":1,\"available\":\"x\"}", TOKEN, 400, "available"),
                new Case("PUT", "/stock/S1", "{\"unitPriceCents\":1,\"available\":1,\"colour\":\"red\"}", TOKEN, 400,
                        "colour"),
                new Case("PUT", "/stock/bad%20sku", "{\"unitPriceCents\":1,\"available\":1}", TOKEN, 400, "sku"),
                new Case("PUT", "/stock/S1", "{\"unitPriceCents\":1,\"available\":1,\"pad\":\"" + "x".repeat(2000)
                        + "\"}", TOKEN, 413, null),
                new Case("DELETE", "/stock/S1", null, TOKEN, 405, null),
                new Case("POST", "/stock/S1", "{}", TOKEN, 405, null),
                new Case("GET", "/reservations", null, null, 400, "order_id"),
                new Case("GET", "/reservations?order_id=abc", null, null, 400, "order_id"),
                new Case("GET", "/reservations?order_id=" + UUID.randomUUID(), null, null, 404, "order_id"),
                new Case("GET", "/elsewhere", null, null, 404, null));
        SoftAssertions softly = new SoftAssertions();
        for (Case c : corpus) {
            TestHttp.Reply reply = http.send(c.method(), c.path(), c.body(), c.token());
            String what = c.method() + " " + c.path() + " -> " + reply.raw();
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
    void rawBadRequestsGetAJsonFourHundredAndChangeNothing() {
        List<Integer> before = rowCounts();
        SoftAssertions softly = new SoftAssertions();
        String admin = "Authorization: Bearer " + TOKEN + "\r\n";
        BadRequests.assertRefused(service.port(), BadRequests.corpus("PUT", "/stock/R1", admin,
                "{\"unitPriceCents\":1,\"available\":1,\"note\":\"%s\"}", "/stock/"), softly);
        TestHttp.Reply nulInPath = http.get("/stock/%00");
        softly.assertThat(nulInPath.status()).isEqualTo(400);
        softly.assertThat(nulInPath.body().path("field").asText()).isEqualTo("path");
        TestHttp.Reply hugeNumber = http.send("PUT", "/stock/R1",
                "{\"unitPriceCents\":99999999999999999999999,\"available\":1}", TOKEN);
        softly.assertThat(hugeNumber.status()).isEqualTo(400);
        softly.assertThat(hugeNumber.body().path("field").asText()).isEqualTo("unitPriceCents");
        softly.assertThat(http.send("PUT", "/stock/R1", "[]", TOKEN).raw()).doesNotContain("dev.outbox");
        softly.assertAll();
        assertThat(rowCounts()).isEqualTo(before);
    }

    private static List<Integer> rowCounts() {
        return List.of(service.dsl().fetchCount(org.jooq.impl.DSL.table("stock")),
                service.dsl().fetchCount(org.jooq.impl.DSL.table("reservation")));
    }

    @Test
    void puttingStockWithoutTheBearerTokenGets401AndChangesNothing() {
        for (String token : new String[] {null, "not-the-token-at-all", ""}) {
            TestHttp.Reply reply = http.send("PUT", "/stock/T1", "{\"unitPriceCents\":1,\"available\":1}", token);
            assertThat(reply.status()).isEqualTo(401);
            assertThat(reply.body().path("field").asText()).isEqualTo("Authorization");
        }
        assertThat(http.get("/stock/T1").status()).isEqualTo(404);
        assertThat(http.send("PUT", "/stock/T1", "{\"unitPriceCents\":1,\"available\":1}", TOKEN).status())
                .isEqualTo(200);
    }
}
