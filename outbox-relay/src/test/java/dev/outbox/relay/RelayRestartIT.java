package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The relay as a process, killed or stopped while 50,000 events stream, then started again. */
@OutboxInfraTest
class RelayRestartIT {

    private static final int EVENTS = 50_000;
    private static final int ROWS_PER_TRANSACTION = 100;
    private static final int BATCH = 1_000;

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    private static Map<String, String> environment(TestDatabase database, Kafka kafka, String name) {
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_BATCH_MAX_RECORDS", String.valueOf(BATCH));
        return environment;
    }

    /** 50,000 rows in transactions of 100 (multi-row INSERTs), over 50 aggregates. */
    private static CompletableFuture<Void> writeEvents(TestDatabase database, String aggregateType) {
        return CompletableFuture.runAsync(() -> {
            try (Connection connection = database.dataSource().getConnection()) {
                for (int t = 0; t < EVENTS / ROWS_PER_TRANSACTION; t++) {
                    connection.createStatement().execute("""
                            INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
                            SELECT gen_random_uuid(), '%s', 'a-' || (i %% 50), 'Bulk', jsonb_build_object('i', i)
                              FROM generate_series(%d, %d) i""".formatted(aggregateType,
                            t * ROWS_PER_TRANSACTION, (t + 1) * ROWS_PER_TRANSACTION - 1));
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static long delivered(KafkaConsumer<byte[], byte[]> counter, List<ConsumerRecord<byte[], byte[]>> into) {
        counter.poll(Duration.ofMillis(100)).forEach(into::add);
        return into.size();
    }

    private static void waitForRelayToStart(RelayProcess relay) {
        // The relay logs this line once its slot streams; before it, a kill would test nothing.
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.output().contains("streaming public.outbox"));
    }

    @Test
    void killNineMidStreamLosesNothingAndRepeatsAtMostTheBatchInFlight(TestDatabase database, Kafka kafka)
            throws Exception {
        String name = "kill_nine";
        kafka.createTopic(name + ".bulk", 3);
        List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".bulk");
                RelayProcess first = new RelayProcess(environment(database, kafka, name)).start()) {
            waitForRelayToStart(first);
            CompletableFuture<Void> writer = writeEvents(database, "bulk");
            await().atMost(Duration.ofSeconds(120)).until(() -> delivered(consumer, records) >= 10_000);

            first.killNine();
            long deliveredAtKill = records.size();

            try (RelayProcess second = new RelayProcess(environment(database, kafka, name)).start()) {
                writer.get();
                await().atMost(Duration.ofSeconds(180)).until(() -> uniqueIds(records).size() == EVENTS
                        || delivered(consumer, records) < 0);
                records.addAll(Outboxes.drainQuiet(consumer));
                int duplicates = records.size() - uniqueIds(records).size();
                System.out.printf("kill -9 after %d delivered: %d events, %d duplicates%n", deliveredAtKill,
                        records.size(), duplicates);
                assertThat(uniqueIds(records)).hasSize(EVENTS);
                assertThat(duplicates).as("duplicates are at most the batch in flight").isLessThanOrEqualTo(
                        BATCH + ROWS_PER_TRANSACTION);
                assertThat(second.terminate()).as("clean stop after SIGTERM").isZero();
            }
        }
    }

    @Test
    void sigtermMidStreamThenRestartRepeatsNothing(TestDatabase database, Kafka kafka) throws Exception {
        String name = "sigterm";
        kafka.createTopic(name + ".bulk", 3);
        List<ConsumerRecord<byte[], byte[]>> records = new java.util.ArrayList<>();
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".bulk");
                RelayProcess first = new RelayProcess(environment(database, kafka, name)).start()) {
            waitForRelayToStart(first);
            CompletableFuture<Void> writer = writeEvents(database, "bulk");
            await().atMost(Duration.ofSeconds(120)).until(() -> delivered(consumer, records) >= 10_000);

            assertThat(first.terminate()).as("exit code after SIGTERM; output:%n%s", first.output()).isZero();
            assertThat(first.output()).contains("stopped cleanly");

            try (RelayProcess second = new RelayProcess(environment(database, kafka, name)).start()) {
                writer.get();
                await().atMost(Duration.ofSeconds(180)).until(() -> uniqueIds(records).size() == EVENTS
                        || delivered(consumer, records) < 0);
                records.addAll(Outboxes.drainQuiet(consumer));
                assertThat(uniqueIds(records)).hasSize(EVENTS);
                assertThat(records).as("a clean stop repeats nothing").hasSize(EVENTS);
                assertPerAggregateOrder(records);
            }
        }
    }

    private static Set<String> uniqueIds(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<String> ids = new HashSet<>();
        records.forEach(r -> ids.add(Outboxes.header(r, "id")));
        return ids;
    }

    /** Rows of one aggregate were inserted with increasing i: they must arrive in that order. */
    private static void assertPerAggregateOrder(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Long> last = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            long i = Long.parseLong(Outboxes.value(record).replaceAll("\\D", ""));
            Long previous = last.put(Outboxes.key(record), i);
            assertThat(previous == null || previous < i).as("order of %s: %s after %s", Outboxes.key(record), i,
                    previous).isTrue();
        }
    }
}
