package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One source transaction of 1,000,000 rows and 520 MB of payload, written by one {@code COPY} (which logs one WAL
 * record per heap page, so many rows share a position), relays completely through a relay process with a 256 MB heap,
 * in both delivery modes: neither mode holds a source transaction whole.
 */
@OutboxInfraTest
class RelayLargeTransactionIT {

    private static final int ROWS = 1_000_000;
    /** 520 payload characters a row: 520 MB in all. */
    private static final int PAYLOAD_CHARS = 520;
    /** The timeout case needs only a transaction that takes longer to relay than 2 s. */
    private static final int TIMEOUT_CASE_ROWS = 50_000;
    private static final int TIMEOUT_CASE_PAYLOAD_CHARS = 5_200;

    @ParameterizedTest
    @ValueSource(strings = {"at-least-once", "exactly-once"})
    void aMillionRowCopyOf520MbRelaysCompletelyWithA256MbHeap(String delivery, TestDatabase database,
            Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        String name = "huge_" + delivery.replace('-', '_');
        kafka.createTopic(name + "." + name, 3);
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_DELIVERY", delivery);
        environment.put("OUTBOX_POSITION_TOPIC", name + ".positions");
        // The whole source transaction is one Kafka transaction; on a shared machine it may take over the 60 s default.
        environment.put("OUTBOX_KAFKA_TRANSACTION_TIMEOUT_MS", "300000");
        try (RelayProcess relay = new RelayProcess(environment, List.of("-Xmx256m")).start();
                var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + "." + name)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> relay.output().contains("streaming public.outbox"));
            copyInOneTransaction(database, name, ROWS);
            TreeSet<String> ids = new TreeSet<>();
            AtomicLong records = new AtomicLong();
            await().atMost(Duration.ofSeconds(600)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
                assertThat(relay.isAlive()).as("relay output:%n%s", relay.output()).isTrue();
                Outboxes.readAtLeast(consumer, 1, Duration.ofMillis(500)).forEach(record -> {
                    records.incrementAndGet();
                    ids.add(Outboxes.header(record, "id"));
                });
                assertThat(ids).hasSize(ROWS);
            });
            if (delivery.equals("exactly-once")) {
                records.addAndGet(Outboxes.drainQuiet(consumer).size());
                assertThat(records.get()).as("records seen read_committed").isEqualTo(ROWS);
            }
            assertThat(digest(ids)).isEqualTo(digestOfOutboxIds(database, name));
            assertThat(relay.output()).doesNotContain("OutOfMemoryError");
            assertThat(relay.terminate()).isZero();
        }
    }

    /**
     * Exactly-once: a source transaction that takes longer to relay than the Kafka transaction timeout stops the relay
     * (exit 1) with a line naming the setting to raise, the same line at every restart, and nothing of it committed.
     */
    @org.junit.jupiter.api.Test
    void aSourceTransactionOverTheKafkaTransactionTimeoutStopsTheRelayWithTheSettingToRaise(TestDatabase database,
            Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        String name = "too_long";
        kafka.createTopic(name + "." + name, 3);
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_DELIVERY", "exactly-once");
        environment.put("OUTBOX_POSITION_TOPIC", name + ".positions");
        environment.put("OUTBOX_KAFKA_TRANSACTION_TIMEOUT_MS", "2000");
        try (RelayProcess relay = new RelayProcess(environment, List.of("-Xmx256m")).start();
                var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + "." + name)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> relay.output().contains("streaming public.outbox"));
            insertInOneTransaction(database, name, TIMEOUT_CASE_ROWS);
            assertThat(relay.awaitExit(120)).as("relay output:%n%s", relay.output()).isEqualTo(1);
            String line = timeoutLine(relay.output());
            assertThat(line).contains("OUTBOX_KAFKA_TRANSACTION_TIMEOUT_MS").contains("transaction.max.timeout.ms");

            try (RelayProcess restarted = new RelayProcess(environment, List.of("-Xmx256m")).start()) {
                assertThat(restarted.awaitExit(120)).as("relay output:%n%s", restarted.output()).isEqualTo(1);
                assertThat(timeoutLine(restarted.output())).as("the same line at every restart").isEqualTo(line);
            }
            assertThat(Outboxes.drainQuiet(consumer)).as("nothing of it committed").isEmpty();
        }
    }

    private static String timeoutLine(String output) {
        return output.lines().filter(line -> line.contains("was not relayed within the Kafka transaction timeout"))
                .findFirst().map(line -> line.substring(line.indexOf("exactly-once:")))
                .orElseThrow(() -> new AssertionError("no timeout line in:\n" + output));
    }

    /** {@code rows} rows of aggregate type {@code type} (the test's own, as the database is shared) in one INSERT. */
    private static void insertInOneTransaction(TestDatabase database, String type, int rows) {
        database.execute("""
                INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
                SELECT gen_random_uuid(), '%s', 'a-' || (n %% 97), 'Huge', jsonb_build_object('s', repeat('x', %d))
                  FROM generate_series(1, %d) n""".formatted(type, TIMEOUT_CASE_PAYLOAD_CHARS, rows));
    }

    /** {@code rows} rows of aggregate type {@code type} in one {@code COPY ... FROM STDIN}, generated as they stream. */
    private static void copyInOneTransaction(TestDatabase database, String type, int rows) throws Exception {
        String payload = "{\"s\": \"" + "x".repeat(PAYLOAD_CHARS - 9) + "\"}";
        try (var connection = database.dataSource().getConnection()) {
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            long copied = copy.copyIn("COPY outbox (id, aggregatetype, aggregateid, type, payload) FROM STDIN",
                    new Reader() {
                        private int row;
                        private String line = "";
                        private int at;

                        @Override
                        public int read(char[] buffer, int offset, int length) {
                            if (at == line.length()) {
                                if (row == rows) {
                                    return -1;
                                }
                                row++;
                                line = UUID.randomUUID() + "\t" + type + "\ta-" + (row % 97) + "\tHuge\t" + payload
                                        + "\n";
                                at = 0;
                            }
                            int count = Math.min(length, line.length() - at);
                            line.getChars(at, at + count, buffer, offset);
                            at += count;
                            return count;
                        }

                        @Override
                        public void close() {
                        }
                    });
            assertThat(copied).isEqualTo(rows);
        }
    }

    /** MD5 of the ids, sorted as text and joined by commas (the same as {@link #digestOfOutboxIds}). */
    private static String digest(TreeSet<String> ids) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5")
                .digest(String.join(",", ids).getBytes(StandardCharsets.UTF_8)));
    }

    private static String digestOfOutboxIds(TestDatabase database, String type) throws Exception {
        try (var connection = database.dataSource().getConnection(); var statement = connection.prepareStatement(
                "SELECT md5(string_agg(id::text, ',' ORDER BY id::text COLLATE \"C\")) FROM outbox "
                        + "WHERE aggregatetype = ?")) {
            statement.setString(1, type);
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getString(1);
            }
        }
    }
}
