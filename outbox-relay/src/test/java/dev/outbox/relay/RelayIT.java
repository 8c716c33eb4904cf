package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.PGConnection;

/**
 * The relay in this JVM against the real PostgreSQL and Kafka of the test kit, reading the slot with Debezium (the
 * default source); {@link RelayPgOutputIT} runs the same tests with {@code OUTBOX_SOURCE=pgoutput}.
 */
@OutboxInfraTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RelayIT {

    private Relay relay;
    private RelayConfig config;
    /** Names this class's slot and topics, so the subclass shares neither. */
    private String name;

    String source() {
        return "debezium";
    }

    String relayName() {
        return "relay_it";
    }

    @BeforeAll
    void startRelay(TestDatabase database, Kafka kafka) {
        name = relayName();
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("CREATE TABLE aggregate_sequence (id text PRIMARY KEY, n bigint NOT NULL)");
        config = RelayConfig.from(Map.of(
                "OUTBOX_DB_URL", database.jdbcUrl(),
                "OUTBOX_DB_USER", database.user(),
                "OUTBOX_DB_PASSWORD", database.password(),
                "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers(),
                "OUTBOX_RELAY_NAME", name,
                "OUTBOX_TOPIC_TEMPLATE", topic("${aggregatetype}"),
                "OUTBOX_DLQ_TOPIC", topic("dlq"),
                "OUTBOX_HTTP_PORT", "0",
                "OUTBOX_BATCH_MAX_RECORDS", "500",
                "OUTBOX_SOURCE", source()));
        relay = new Relay(config);
        relay.start();
        await().atMost(Duration.ofSeconds(30)).until(relay::ready);
    }

    @AfterAll
    void stopRelay() {
        relay.close();
    }

    private String topic(String aggregateType) {
        return name.replace('_', '-') + "." + aggregateType;
    }

    @Test
    void rolledBackTransactionEmitsNothingAndInsertThenDeleteIsDelivered(TestDatabase database, Kafka kafka)
            throws Exception {
        String rolledBack;
        try (Connection connection = database.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            rolledBack = Outboxes.insert(connection, "rollback", "a-1", "{\"n\": 1}");
            connection.rollback();
        }
        String deleted;
        try (Connection connection = database.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            deleted = Outboxes.insert(connection, "rollback", "a-1", "{\"n\": 2}");
            try (var statement = connection.prepareStatement("DELETE FROM outbox WHERE id = ?::uuid")) {
                statement.setString(1, deleted);
                statement.executeUpdate();
            }
            connection.commit();
        }
        String marker = Outboxes.insertCommitted(database, "rollback", "a-1", "{\"n\": 3}");

        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), topic("rollback"))) {
            var records = new ArrayList<>(Outboxes.readAtLeast(consumer, 2, Duration.ofSeconds(30)));
            records.addAll(Outboxes.drainQuiet(consumer));
            assertThat(records).extracting(r -> Outboxes.header(r, "id")).containsExactly(deleted, marker)
                    .doesNotContain(rolledBack);
        }
    }

    @Test
    void recordFollowsTheContract(TestDatabase database, Kafka kafka) throws Exception {
        String id = Outboxes.insertCommitted(database, "contract", "order-7", "{\"total\": 12.50, \"items\": [1, 2]}");

        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), topic("contract"))) {
            var record = Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(30)).getFirst();
            assertThat(Outboxes.key(record)).isEqualTo("order-7");
            assertThat(new com.fasterxml.jackson.databind.ObjectMapper().readTree(Outboxes.value(record)))
                    .isEqualTo(new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree("{\"total\": 12.50, \"items\": [1, 2]}"));
            assertThat(Outboxes.header(record, "id")).isEqualTo(id);
            assertThat(Outboxes.header(record, "saga_id")).isEqualTo("s-1");
            assertThat(Outboxes.header(record, "ce_specversion")).isEqualTo("1.0");
            assertThat(Outboxes.header(record, "ce_id")).isEqualTo(id);
            assertThat(Outboxes.header(record, "ce_type")).isEqualTo("TestEvent");
            assertThat(Outboxes.header(record, "ce_subject")).isEqualTo("order-7");
            assertThat(Outboxes.header(record, "ce_source")).isEqualTo("/outbox-relay/" + name);
            assertThat(Outboxes.header(record, "ce_time")).isEqualTo(createdAt(database, id).toString());
            assertThat(Outboxes.header(record, "content-type")).isEqualTo("application/json");
        }
    }

    @Test
    void tenThousandEventsFromFourWritersArriveOnceEachInPerAggregateCommitOrder(TestDatabase database, Kafka kafka)
            throws Exception {
        kafka.createTopic(topic("load"), 4);
        int writers = 4;
        int perWriter = 2_500;
        try (ExecutorService executor = Executors.newFixedThreadPool(writers)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                futures.add(executor.submit(() -> {
                    try (Connection connection = database.dataSource().getConnection()) {
                        connection.setAutoCommit(false);
                        for (int i = 0; i < perWriter; i++) {
                            String aggregate = "agg-" + ((i * 7 + writer * 13) % 100);
                            // The per-aggregate sequence, taken under the row lock in the same transaction, is the
                            // commit order of that aggregate's events.
                            long n;
                            try (PreparedStatement statement = connection.prepareStatement("""
                                    INSERT INTO aggregate_sequence VALUES (?, 1)
                                    ON CONFLICT (id) DO UPDATE SET n = aggregate_sequence.n + 1 RETURNING n""")) {
                                statement.setString(1, aggregate);
                                var rs = statement.executeQuery();
                                rs.next();
                                n = rs.getLong(1);
                            }
                            Outboxes.insert(connection, "load", aggregate, "{\"seq\": " + n + "}");
                            connection.commit();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }
        }

        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), topic("load"))) {
            var records = new ArrayList<>(Outboxes.readAtLeast(consumer, 10_000, Duration.ofSeconds(120)));
            records.addAll(Outboxes.drainQuiet(consumer));
            assertThat(records).hasSize(10_000);
            assertThat(records.stream().map(r -> Outboxes.header(r, "id")).collect(Collectors.toSet())).hasSize(10_000);
            Map<String, List<Long>> sequences = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : records) {
                long seq = Long.parseLong(Outboxes.value(record).replaceAll("\\D", ""));
                sequences.computeIfAbsent(Outboxes.key(record), k -> new ArrayList<>()).add(seq);
            }
            assertThat(sequences).hasSize(100);
            sequences.forEach((aggregate, seqs) -> {
                for (int i = 0; i < seqs.size(); i++) {
                    assertThat(seqs.get(i)).as("event %d of %s", i, aggregate).isEqualTo(i + 1L);
                }
            });
        }
    }

    @Test
    void rowsSharingOneWalRecordSurviveARestartMidStream(TestDatabase database, Kafka kafka) throws Exception {
        StringBuilder copy = new StringBuilder();
        for (int i = 0; i < 1_000; i++) {
            copy.append(java.util.UUID.randomUUID()).append("\tcopy\tc-").append(i % 10).append("\tCopied\t{\"i\": ")
                    .append(i).append("}\t{}\n");
        }
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < 1_000; i++) {
            values.append(i == 0 ? "" : ",").append("(gen_random_uuid(), 'copy', 'm-").append(i % 10)
                    .append("', 'Multi', '{\"i\": ").append(i).append("}')");
        }
        try (Connection connection = database.dataSource().getConnection()) {
            connection.unwrap(PGConnection.class).getCopyAPI().copyIn(
                    "COPY outbox (id, aggregatetype, aggregateid, type, payload, headers) FROM STDIN",
                    new StringReader(copy.toString()));
            connection.createStatement().execute(
                    "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) VALUES " + values);
        }
        // Restart while the 2,000 rows stream in batches of 500.
        relay.close();
        relay = new Relay(config);
        relay.start();
        await().atMost(Duration.ofSeconds(30)).until(relay::ready);

        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), topic("copy"))) {
            var records = new ArrayList<>(Outboxes.readAtLeast(consumer, 2_000, Duration.ofSeconds(60)));
            records.addAll(Outboxes.drainQuiet(consumer));
            Set<String> ids = new HashSet<>();
            records.forEach(r -> ids.add(Outboxes.header(r, "id")));
            assertThat(ids).hasSize(2_000);
            assertThat(records).hasSize(2_000).as("a clean restart repeats nothing");
        }
    }

    @Test
    void poisonRowsGoToTheDeadLetterTopicAndTheRowsAfterThemFlowInOrder(TestDatabase database, Kafka kafka)
            throws Exception {
        String before = Outboxes.insertCommitted(database, "poison", "p-1", "{\"n\": 1}");
        String blankType = Outboxes.insertCommitted(database, " ", "p-1", "{\"n\": 2}");
        String blankId = Outboxes.insertCommitted(database, "poison", "", "{\"n\": 3}");
        String badTopic = Outboxes.insertCommitted(database, "no spaces/allowed", "p-1", "{\"n\": 4}");
        String huge = Outboxes.insertCommitted(database, "poison", "p-1",
                "{\"blob\": \"" + "x".repeat(1_200_000) + "\"}");
        String after = Outboxes.insertCommitted(database, "poison", "p-1", "{\"n\": 6}");

        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), topic("poison"), topic("dlq"))) {
            var records = new ArrayList<>(Outboxes.readAtLeast(consumer, 6, Duration.ofSeconds(60)));
            records.addAll(Outboxes.drainQuiet(consumer));
            var delivered = records.stream().filter(r -> r.topic().equals(topic("poison"))).toList();
            var dead = records.stream().filter(r -> r.topic().equals(topic("dlq"))).toList();

            assertThat(delivered).extracting(r -> Outboxes.header(r, "id")).containsExactly(before, after);
            assertThat(dead).extracting(r -> Outboxes.header(r, "dlq_outbox_id"))
                    .containsExactly(blankType, blankId, badTopic, huge);
            assertThat(dead).allSatisfy(r -> {
                assertThat(Outboxes.header(r, "dlq_reason")).isNotBlank();
                assertThat(Outboxes.header(r, "dlq_exception_class")).isNotBlank();
                assertThat(Outboxes.header(r, "dlq_source_lsn")).matches("[0-9A-F]+/[0-9A-F]+");
            });
            assertThat(Outboxes.header(dead.get(0), "dlq_reason")).contains("aggregatetype is blank");
            assertThat(Outboxes.header(dead.get(2), "dlq_reason")).contains("not legal");
            assertThat(Outboxes.header(dead.get(3), "dlq_exception_class")).endsWith("RecordTooLargeException");
            assertThat(dead.get(3).value()).as("an oversize row keeps its metadata, not its payload").isNull();
        }
    }

    @Test
    void metricsCountRelayedRowsAndReportTheSlot() {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(relay.metrics().scrape()).contains("outbox_relay_events_total")
                        .contains("outbox_relay_commit_to_ack_seconds_bucket")
                        .contains("outbox_relay_slot_retained_wal_bytes"));
    }

    /**
     * Debezium's streaming metrics (JMX, named by the slot) count the rows it streamed but keep no printed summary of
     * the last one: the relay's Debezium task spared its streaming thread that per-row printing.
     */
    @Test
    void debeziumKeepsNoSummaryOfTheLastEvent(TestDatabase database) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("debezium".equals(source()), "Debezium source only");
        Outboxes.insertCommitted(database, "summary", "s-1", "{\"n\": 1}");
        var server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        var streaming = new javax.management.ObjectName(
                "debezium.postgres:type=connector-metrics,context=streaming,server=" + name);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat((Long) server.getAttribute(streaming, "TotalNumberOfEventsSeen")).isPositive());
        assertThat(server.getAttribute(streaming, "LastEvent"))
                .isEqualTo("not kept by outbox-relay");
    }

    /** The row's created_at as an instant, which ce_time must print the way Instant does, whatever the source. */
    private static java.time.Instant createdAt(TestDatabase database, String id) throws Exception {
        try (Connection connection = database.dataSource().getConnection();
             PreparedStatement query = connection.prepareStatement("SELECT created_at FROM outbox WHERE id = ?::uuid")) {
            query.setString(1, id);
            try (var rows = query.executeQuery()) {
                assertThat(rows.next()).isTrue();
                return rows.getObject(1, java.time.OffsetDateTime.class).toInstant();
            }
        }
    }
}
