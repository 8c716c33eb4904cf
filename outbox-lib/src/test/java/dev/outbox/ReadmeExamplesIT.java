package dev.outbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.consumer.EventConsumer;
import dev.outbox.consumer.EventHandler;
import dev.outbox.consumer.Inbox;
import dev.outbox.saga.SagaLog;
import dev.outbox.saga.SagaRetention;
import dev.outbox.saga.SagaTimeoutScanner;
import dev.outbox.saga.SagaView;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.support.RelayRecords;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Keeps the README's examples compiling and true: each block below is a README snippet, verbatim. */
@OutboxInfraTest
class ReadmeExamplesIT {

    record Line(String sku, int quantity) {
    }

    // README "Events"
    interface OrderEvent extends OutboxEvent {
        UUID orderId();
        default String aggregateType() { return "order"; }
        default String aggregateId() { return orderId().toString(); }
    }

    record OrderPlaced(UUID orderId, String customerId, List<Line> lines) implements OrderEvent {
        public String eventType() { return "OrderPlaced"; }
    }

    record OrderCancelled(UUID orderId, String reason) implements OrderEvent {
        public String eventType() { return "OrderCancelled"; }
    }

    record StockReserved(UUID orderId) implements OutboxEvent {
        public String aggregateType() { return "inventory"; }
        public String aggregateId() { return orderId.toString(); }
        public String eventType() { return "StockReserved"; }
    }

    private final ObjectMapper json = OutboxConfig.defaultObjectMapper();
    private final List<Line> lines = List.of(new Line("sku-1", 2));

    @BeforeAll
    static void migrate(TestDatabase database) {
        DataSource dataSource = database.dataSource();
        // README "Install"
        OutboxSchema.migrateLibrary(dataSource);
        database.execute("CREATE TABLE orders (id uuid PRIMARY KEY, status text NOT NULL)",
                "CREATE TABLE stock (order_id uuid, reserved int NOT NULL DEFAULT 0)");
    }

    @Test
    void everyJavaLineOfTheReadmeIsInThisTest() throws Exception {
        String readme = Files.readString(Path.of("README.md"));
        Set<String> here = Files.readAllLines(Path.of("src/test/java/dev/outbox/ReadmeExamplesIT.java")).stream()
                .map(ReadmeExamplesIT::code).collect(Collectors.toSet());
        Matcher blocks = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        int checked = 0;
        while (blocks.find()) {
            for (String line : blocks.group(1).split("\\n")) {
                String code = code(line);
                if (!code.isEmpty()) {
                    assertThat(here).as("README line present in this test").contains(code);
                    checked++;
                }
            }
        }
        assertThat(checked).isGreaterThan(40);
    }

    /** A line without indentation and trailing comment. */
    private static String code(String line) {
        int comment = line.indexOf("//");
        return (comment >= 0 ? line.substring(0, comment) : line).trim();
    }

    @Test
    void sagaRetentionExamplesScheduleAndDeleteAFinishedSagaPastItsWindow(DSLContext dsl, DataSource dataSource)
            throws Exception {
        UUID finished = UUID.randomUUID();
        dsl.execute("INSERT INTO saga_log (saga_id, saga_type, step, status, updated_at) "
                + "VALUES (?, 'order', 'only', 'SUCCEEDED', now() - interval '40 days')", finished);
        // README "Saga retention" (the scheduled job's first run is one interval away; SagaRetentionIT runs it)
        try (SagaRetention retention = SagaRetention.schedule(dataSource, Duration.ofDays(30), Duration.ofMinutes(10))) {
            assertThat(dsl.fetchCount(DSL.table("saga_log"), DSL.field("saga_id").eq(finished))).isEqualTo(1);
        }
        // README: the deletions by hand
        try (Connection connection = dataSource.getConnection()) {
            assertThat(SagaRetention.deleteFinishedOlderThan(connection, Duration.ofDays(30))).isPositive();
        }
        assertThat(dsl.fetchCount(DSL.table("saga_log"), DSL.field("saga_id").eq(finished))).isZero();
    }

    @Test
    void theInboxOnItsOwnAppliesARedeliveredEventOnce(DSLContext dsl, DataSource dataSource) throws Exception {
        UUID orderId = UUID.randomUUID();
        dsl.execute("INSERT INTO stock (order_id) VALUES (?::uuid)", orderId);
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("outbox.event.order", 0, 0, null, null);
        record.headers().add("id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
        for (int delivery = 1; delivery <= 2; delivery++) {
            // README "The inbox on its own"
            UUID eventId = Inbox.eventId(record.headers()).orElseThrow(); // the relay's `id` header (else `ce_id`)
            try (Connection connection = dataSource.getConnection()) {
                connection.setAutoCommit(false);
                if (Inbox.firstDelivery(connection, "inventory-service", eventId)) {
                    DSL.using(connection, SQLDialect.POSTGRES)
                            .execute("UPDATE stock SET reserved = reserved + 1 WHERE order_id = ?", orderId);
                }
                connection.commit(); // a duplicate commits nothing but the check
            }
        }
        assertThat(dsl.fetchOne("SELECT reserved FROM stock WHERE order_id = ?::uuid", orderId).get(0, Integer.class))
                .isEqualTo(1);
    }

    @Test
    void publishExamplesWriteOneRowEach(DSLContext dsl, DataSource dataSource) throws Exception {
        UUID orderId = UUID.randomUUID();
        // README "Publish with jOOQ"
        Outbox outbox = Outbox.create();

        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            tx.execute("INSERT INTO orders (id, status) VALUES (?, 'PENDING')", orderId);
            outbox.publish(tx, new OrderPlaced(orderId, "customer-1", lines));
        });

        UUID jdbcOrder = UUID.randomUUID();
        jdbcExample(dataSource, outbox, jdbcOrder);

        for (UUID id : List.of(orderId, jdbcOrder)) {
            Record row = dsl.fetchOne("SELECT type, aggregatetype, payload::text AS payload FROM outbox "
                    + "WHERE aggregateid = ?", id.toString());
            assertThat(row.get("type", String.class)).isEqualTo("OrderPlaced");
            assertThat(row.get("aggregatetype", String.class)).isEqualTo("order");
            assertThat(json.readTree(row.get("payload", String.class)).at("/lines/0/sku").asText()).isEqualTo("sku-1");
            assertThat(dsl.fetchOne("SELECT status FROM orders WHERE id = ?::uuid", id).get(0, String.class))
                    .isEqualTo("PENDING");
        }
    }

    private void jdbcExample(DataSource dataSource, Outbox outbox, UUID orderId) throws Exception {
        // README "Publish with JDBC"
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement(
                    "INSERT INTO orders (id, status) VALUES (?, 'PENDING')")) {
                insert.setObject(1, orderId);
                insert.executeUpdate();
            }
            outbox.publish(connection, new OrderPlaced(orderId, "customer-1", lines));
            connection.commit();
        }
    }

    @Test
    void sagaConsumeAndTimeoutExamplesWorkTogether(DSLContext dsl, DataSource dataSource, Kafka kafka)
            throws Exception {
        Outbox outbox = Outbox.create();
        UUID orderId = UUID.randomUUID();
        // README "Saga log and timeouts"
        SagaLog sagaLog = SagaLog.create();
        UUID sagaId = UUID.randomUUID();

        dsl.transaction(cfg -> {
            DSLContext tx = DSL.using(cfg);
            tx.execute("INSERT INTO orders (id, status) VALUES (?, 'PENDING')", orderId);
            sagaLog.startStep(tx, sagaId, "order", "reserve_stock", Map.of("orderId", orderId), Duration.ofSeconds(30));
            UUID eventId = sagaLog.publish(tx, outbox, sagaId, "reserve_stock",
                    new OrderPlaced(orderId, "customer-1", lines), OutboxHeaders.saga(sagaId), "outbox.event.order");
        });

        // What the relay does: the committed row becomes a Kafka record.
        relayOrderPlaced(dsl, kafka, orderId);
        String bootstrapServers = kafka.bootstrapServers();
        dsl.execute("INSERT INTO stock (order_id) VALUES (?::uuid)", orderId);

        // README "Consume"
        EventConsumer consumer = EventConsumer.builder(dataSource, bootstrapServers, "inventory-service")
                .topics("outbox.event.order")
                .on("OrderPlaced", OrderPlaced.class, (tx, event, context) -> {
                    tx.execute("UPDATE stock SET reserved = reserved + 1 WHERE order_id = ?", event.orderId());
                    // saga_id, correlation_id, causation_id and traceparent are inherited: no headers passed here
                    outbox.publish(tx, new StockReserved(event.orderId()));
                    context.sagaId().ifPresent(saga -> sagaLog.recordConsumed(tx, saga, null, context));
                })
                .ignore("OrderConfirmed")
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(consumer::close));
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> dsl.fetchOne(
                    "SELECT count(*) FROM outbox WHERE type = 'StockReserved'").get(0, Integer.class) == 1);
        } finally {
            consumer.close();
        }
        JsonNode reservedHeaders = json.readTree(dsl.fetchOne(
                "SELECT headers::text FROM outbox WHERE type = 'StockReserved'").get(0, String.class));
        assertThat(reservedHeaders.get("saga_id").asText()).isEqualTo(sagaId.toString());
        assertThat(dsl.fetchOne("SELECT reserved FROM stock WHERE order_id = ?::uuid", orderId).get(0, Integer.class))
                .isEqualTo(1);

        // The reply never reaches the order service in this test: move the deadline into the past.
        dsl.execute("UPDATE saga_log SET deadline_at = now() - interval '1 second' WHERE saga_id = ?::uuid", sagaId);
        SagaTimeoutScanner scanner = SagaTimeoutScanner.builder(dataSource, (tx, step) -> {
                    UUID timedOutOrder = UUID.fromString(step.payload().get("orderId").asText());
                    tx.execute("UPDATE orders SET status = 'CANCELLED' WHERE id = ?", timedOutOrder);
                    outbox.publish(tx, new OrderCancelled(timedOutOrder, "timed out"), OutboxHeaders.saga(step.sagaId()));
                })
                .interval(Duration.ofSeconds(1))
                .start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> "CANCELLED".equals(
                    dsl.fetchOne("SELECT status FROM orders WHERE id = ?::uuid", orderId).get(0, String.class)));
        } finally {
            scanner.close();
        }

        Optional<SagaView> view = sagaLog.status(dsl, sagaId);
        assertThat(view).hasValueSatisfying(v -> {
            assertThat(v.state()).isEqualTo("FAILED");
            assertThat(v.steps()).singleElement().satisfies(s -> assertThat(s.status().name()).isEqualTo("TIMED_OUT"));
            assertThat(v.events()).extracting(e -> e.type()).containsExactlyInAnyOrder("OrderPlaced", "OrderPlaced");
        });
        assertThat(json.readTree(json.writeValueAsString(view.get())).get("state").asText()).isEqualTo("FAILED");
        JsonNode cancelledHeaders = json.readTree(dsl.fetchOne(
                "SELECT headers::text FROM outbox WHERE type = 'OrderCancelled'").get(0, String.class));
        assertThat(cancelledHeaders.get("saga_id").asText()).isEqualTo(sagaId.toString());
    }

    @Test
    void staticMembershipExampleJoinsTheGroupUnderItsInstanceId(DataSource dataSource, Kafka kafka) throws Exception {
        String bootstrapServers = kafka.bootstrapServers();
        String hostName = "host-a";
        int httpPort = 8082;
        EventHandler<OrderPlaced> handler = (tx, event, context) -> { };

        // README "Fast restarts"
        EventConsumer restartable = EventConsumer.builder(dataSource, bootstrapServers, "inventory-service")
                .staticMembership("inventory-service-" + hostName + "-" + httpPort) // stable across restarts
                .sessionTimeout(Duration.ofSeconds(10))                              // the default
                .topics("outbox.event.order")
                .on("OrderPlaced", OrderPlaced.class, handler)
                .start();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> !restartable.assignment().isEmpty());
            assertThat(admin.describeConsumerGroups(List.of("inventory-service")).all().get()
                    .get("inventory-service").members())
                    .anySatisfy(member -> assertThat(member.groupInstanceId())
                            .contains("inventory-service-host-a-8082"));
        } finally {
            restartable.close();
        }
    }

    private void relayOrderPlaced(DSLContext dsl, Kafka kafka, UUID orderId) throws Exception {
        Record row = dsl.fetchOne("SELECT id, type, aggregateid, payload::text AS payload, headers::text AS headers "
                + "FROM outbox WHERE aggregateid = ?", orderId.toString());
        Map<String, String> headers = new HashMap<>();
        json.readTree(row.get("headers", String.class)).properties()
                .forEach(e -> headers.put(e.getKey(), e.getValue().asText()));
        try (RelayRecords relay = new RelayRecords(kafka.bootstrapServers())) {
            relay.send("outbox.event.order", null, row.get("id", UUID.class), row.get("type", String.class),
                    row.get("aggregateid", String.class), row.get("payload", String.class), headers);
        }
    }
}
