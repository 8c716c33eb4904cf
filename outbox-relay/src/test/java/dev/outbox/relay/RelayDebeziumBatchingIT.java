package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 (warm latency): with the Debezium source, the relay's task lets Debezium poll as soon as a transaction's
 * end is queued. A one-row transaction is relayed on its own (the next is written only once it arrived), a transaction
 * larger than Debezium's batch still arrives whole and in order, and nothing is sent twice. How fast is
 * {@code RelayBenchmark}'s question; the bound here only catches a poll left waiting for its longest wait (500 ms).
 */
@OutboxInfraTest
class RelayDebeziumBatchingIT {

    private static final int ONE_ROW_TRANSACTIONS = 30;
    /** More rows than Debezium's batch of 256, so the task lets Debezium poll before the transaction's end. */
    private static final int LARGE_TRANSACTION_ROWS = 700;

    @Test
    void oneRowTransactionsArriveEachOnItsOwnAndALargeTransactionArrivesWhole(TestDatabase database, Kafka kafka)
            throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        RelayConfig config = RelayConfig.from(
                Outboxes.relaySettings(database, kafka.bootstrapServers(), "relay_batching_it"));
        try (Relay relay = new Relay(config);
             var consumer = Outboxes.consumer(kafka.bootstrapServers(), "relay_batching_it.single",
                     "relay_batching_it.large")) {
            relay.start();
            await().atMost(Duration.ofSeconds(60)).until(relay::ready);

            long[] roundTripNanos = new long[ONE_ROW_TRANSACTIONS];
            for (int i = 0; i < ONE_ROW_TRANSACTIONS; i++) {
                long written = System.nanoTime();
                String id = Outboxes.insertCommitted(database, "single", "s-" + i, "{\"i\": " + i + "}");
                List<ConsumerRecord<byte[], byte[]>> arrived = Outboxes.readAtLeast(consumer, 1,
                        Duration.ofSeconds(30));
                roundTripNanos[i] = System.nanoTime() - written;
                assertThat(arrived).extracting(Outboxes::key).containsExactly("s-" + i);
                assertThat(Outboxes.header(arrived.getFirst(), "id")).isEqualTo(id);
            }

            try (Connection connection = database.dataSource().getConnection()) {
                Outboxes.copy(connection, "large", "g", LARGE_TRANSACTION_ROWS);
            }
            Outboxes.insertCommitted(database, "single", "after-large", "{}");
            List<ConsumerRecord<byte[], byte[]>> arrived = new ArrayList<>(
                    Outboxes.readAtLeast(consumer, LARGE_TRANSACTION_ROWS + 1, Duration.ofSeconds(60)));
            arrived.addAll(Outboxes.drainQuiet(consumer));

            assertThat(arrived).hasSize(LARGE_TRANSACTION_ROWS + 1);
            assertThat(arrived).extracting(Outboxes::key).containsOnlyOnce("after-large");
            assertThat(payloadOrderPerAggregate(arrived)).allSatisfy((aggregate, numbers) ->
                    assertThat(numbers).as("payload order of " + aggregate).isSorted());
            Arrays.sort(roundTripNanos);
            assertThat(Duration.ofNanos(roundTripNanos[ONE_ROW_TRANSACTIONS / 2]))
                    .as("median write-to-consume time of a one-row transaction")
                    .isLessThan(Duration.ofMillis(250));
        }
    }

    /** The {@code i} of each large-transaction row's payload, in arrival order, per aggregate. */
    private static Map<String, List<Long>> payloadOrderPerAggregate(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, List<Long>> numbers = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String value = Outboxes.value(record);
            int at = value.indexOf("\"i\": ");
            if (record.topic().endsWith(".large") && at >= 0) {
                long number = Long.parseLong(value.substring(at + 5, value.indexOf('}', at)).trim());
                numbers.computeIfAbsent(Outboxes.key(record), key -> new ArrayList<>()).add(number);
            }
        }
        return numbers;
    }
}
