package dev.outbox.sandbox.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.sample.inventory.InventoryInvariants;
import dev.outbox.sample.order.OrderInvariants;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;

/**
 * docker-compose.yml end to end on a container engine: every service healthy, the demo seed, 200 orders placed over
 * HTTP all terminal with every invariant holding, the relays' {@code /metrics} on their published ports, a topic
 * read with its headers by Kafka's console consumer in the kafka container, then {@code down} and {@code up} again
 * with every event still in Kafka and none relayed twice, and {@code down -v}.
 *
 * <p>Runs only with {@code OUTBOX_COMPOSE_IT=true} (CI sets it after {@code docker/ci/build-images}; with Docker,
 * build the jars and run it the same way). It publishes the file's fixed host ports (5432, 8081, 8082, 8091, 8092,
 * 29092) on 127.0.0.1 while it runs.
 */
@EnabledIfEnvironmentVariable(named = "OUTBOX_COMPOSE_IT", matches = "true")
class ComposeStackIT {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> LONG_RUNNING = List.of("postgres", "kafka", "order-service", "inventory-service",
            "order-relay", "inventory-relay");
    private static final List<String> RUN_ONCE = List.of("relay-grants", "seed");
    private static final Set<String> TERMINAL = Set.of("CONFIRMED", "REJECTED", "CANCELLED");
    private static final List<String> TOPICS = List.of("outbox.event.order", "outbox.event.reservation");
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(6);

    private static ComposeProject compose;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        compose = ComposeProject.withFreshSecrets(ROOT, "outbox-compose-it");
        compose.tryRun(COMMAND_TIMEOUT, "down", "-v", "--remove-orphans");
        compose.run(COMMAND_TIMEOUT, "up", "-d");
    }

    @AfterAll
    static void removeEverything() throws Exception {
        if (compose != null) {
            compose.run(COMMAND_TIMEOUT, "down", "-v", "--remove-orphans");
            assertThat(compose.run(COMMAND_TIMEOUT, "ps", "-q")).as("containers left after down -v").isBlank();
        }
    }

    @Test
    void theSampleSystemRunsEndToEndAndKeepsEveryEventAcrossDownAndUp() throws Exception {
        awaitEveryServiceUp();
        List<String> firstOrders = placeOrders(200);
        awaitTerminal(firstOrders);
        assertInvariantsHold();
        assertRelayMetricsPublished();
        assertConsoleConsumerSeesHeaders();
        TopicContents beforeRestart = awaitEveryPublishedEventInKafka();

        compose.run(COMMAND_TIMEOUT, "down");
        compose.run(COMMAND_TIMEOUT, "up", "-d");
        awaitEveryServiceUp();
        List<String> laterOrders = placeOrders(20);
        awaitTerminal(laterOrders);
        assertInvariantsHold();
        TopicContents afterRestart = awaitEveryPublishedEventInKafka();

        assertThat(afterRestart.distinct()).as("events in Kafka before down are still there after up")
                .containsAll(beforeRestart.distinct());
        assertThat(afterRestart.duplicates()).as("events relayed more than once (a clean stop confirms its batch)")
                .isEmpty();
        assertThat(orderCount()).as("orders kept across down and up").isEqualTo(220);
    }

    private void awaitEveryServiceUp() {
        await("every service healthy and the one-shot steps exited 0").atMost(Duration.ofMinutes(5))
                .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    String table = compose.run(COMMAND_TIMEOUT, "ps");
                    for (String service : LONG_RUNNING) {
                        assertThat(line(table, service)).as(service).contains("Up (healthy)");
                    }
                    for (String service : RUN_ONCE) {
                        assertThat(line(table, service)).as(service).contains("Exit 0");
                    }
                });
    }

    private static String line(String psTable, String service) {
        return psTable.lines().filter(l -> l.startsWith("outbox-compose-it_" + service + "_")).findFirst()
                .orElse("<" + service + " missing from docker-compose ps>");
    }

    /** The seed's customers and SKUs: alice has credit for everything, frugal for nothing, SKU-3 has 5 in stock. */
    private List<String> placeOrders(int count) throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String body = switch (i % 10) {
                case 0 -> "{\"customerId\":\"frugal\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":2}]}";
                case 1 -> "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"SKU-3\",\"quantity\":1}]}";
                default -> "{\"customerId\":\"alice\",\"lines\":[{\"sku\":\"SKU-1\",\"quantity\":" + (1 + i % 3)
                        + "},{\"sku\":\"SKU-2\",\"quantity\":1}]}";
            };
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:8081/orders"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as("POST /orders %s: %s", body, response.body()).isEqualTo(202);
            ids.add(json.readTree(response.body()).get("orderId").asText());
        }
        return ids;
    }

    private void awaitTerminal(List<String> orderIds) {
        Set<String> pending = new HashSet<>(orderIds);
        await("every order CONFIRMED, REJECTED or CANCELLED").atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofSeconds(2)).until(() -> {
                    for (String id : List.copyOf(pending)) {
                        if (TERMINAL.contains(get("http://127.0.0.1:8081/orders/" + id).get("status").asText())) {
                            pending.remove(id);
                        }
                    }
                    return pending.isEmpty();
                });
    }

    private void assertInvariantsHold() throws Exception {
        try (Connection orders = connect("orders"); Connection inventory = connect("inventory")) {
            var ordersDsl = DSL.using(orders, SQLDialect.POSTGRES);
            var inventoryDsl = DSL.using(inventory, SQLDialect.POSTGRES);
            List<String> violations = new ArrayList<>(OrderInvariants.check(ordersDsl));
            violations.addAll(InventoryInvariants.check(inventoryDsl));
            violations.addAll(OrderInvariants.checkAcrossServices(ordersDsl, inventoryDsl));
            assertThat(violations).as("invariant violations").isEmpty();
            assertThat(count(ordersDsl, "SELECT count(*) FROM orders WHERE status = 'CONFIRMED'"))
                    .as("confirmed orders").isPositive();
            assertThat(count(ordersDsl, "SELECT count(*) FROM orders WHERE status = 'REJECTED'"))
                    .as("rejected orders").isPositive();
        }
    }

    private long orderCount() throws Exception {
        try (Connection orders = connect("orders")) {
            return count(DSL.using(orders, SQLDialect.POSTGRES), "SELECT count(*) FROM orders");
        }
    }

    private static long count(DSLContext dsl, String sql) {
        return dsl.fetchSingle(sql).get(0, Long.class);
    }

    private void assertRelayMetricsPublished() throws Exception {
        for (var relay : List.of(new String[] {"8091", "order_relay", "outbox.event.order"},
                new String[] {"8092", "inventory_relay", "outbox.event.reservation"})) {
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + relay[0] + "/metrics"))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).containsPattern("outbox_relay_events_total\\{relay=\"" + relay[1] + "\",topic=\""
                    + relay[2].replace(".", "\\.") + "\"} [1-9]");
            assertThat(metrics).contains("outbox_relay_last_event_timestamp_seconds");
        }
    }

    private void assertConsoleConsumerSeesHeaders() throws Exception {
        String output = compose.run(COMMAND_TIMEOUT, "exec", "-T", "kafka", "/opt/kafka/bin/kafka-console-consumer.sh",
                "--bootstrap-server", "localhost:9092", "--topic", "outbox.event.order", "--from-beginning",
                "--max-messages", "3", "--timeout-ms", "60000", "--formatter-property", "print.headers=true",
                "--formatter-property", "print.key=true");
        assertThat(output).contains("ce_type:OrderPlaced").contains("content-type:application/json")
                .containsPattern("(?m)(^|,)id:[0-9a-f-]{36},").contains("Processed a total of 3 messages");
    }

    /** Waits until every event the services recorded as published is in Kafka, and returns what Kafka holds. */
    private TopicContents awaitEveryPublishedEventInKafka() throws Exception {
        Set<String> published = new HashSet<>();
        for (String database : List.of("orders", "inventory")) {
            try (Connection connection = connect(database)) {
                published.addAll(DSL.using(connection, SQLDialect.POSTGRES)
                        .fetch("SELECT event_id::text FROM saga_event WHERE direction = 'PUBLISHED'")
                        .getValues(0, String.class));
            }
        }
        assertThat(published).as("events the services published").isNotEmpty();
        TopicContents[] contents = new TopicContents[1];
        await("every published event in Kafka").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                .untilAsserted(() -> {
                    contents[0] = TopicContents.read("127.0.0.1:29092", TOPICS);
                    assertThat(contents[0].distinct()).containsAll(published);
                });
        return contents[0];
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static Connection connect(String database) throws Exception {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/" + database, "postgres",
                compose.secret("POSTGRES_PASSWORD"));
    }
}
