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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Crash campaigns: the relay process is killed with SIGKILL at random moments while 1-row transactions, 100-row
 * INSERTs and 500-row COPYs are committed, and restarted each time. A read_committed consumer must then see every
 * committed row once (exactly-once mode) or at least once (at-least-once mode), in per-aggregate commit order.
 */
@OutboxInfraTest
class RelayExactlyOnceIT {

    private static final String POSITIONS = "eos-it.positions";

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    private static Map<String, String> environment(TestDatabase database, Kafka kafka, String name, String delivery) {
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_BATCH_MAX_RECORDS", "200");
        environment.put("OUTBOX_DELIVERY", delivery);
        environment.put("OUTBOX_POSITION_TOPIC", POSITIONS);
        return environment;
    }

    /** Three single-threaded writers, each with its own aggregates, so each aggregate's commit order is known. */
    private static final class Writers {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong written = new AtomicLong();
        final List<CompletableFuture<Void>> futures = new ArrayList<>();

        Writers(TestDatabase database, String aggregateType) {
            futures.add(CompletableFuture.runAsync(() -> write(database, Duration.ofMillis(5), connection -> {
                long i = written.get();
                Outboxes.insert(connection, aggregateType, "single-" + (i % 5), "{\"i\": " + System.nanoTime() + "}");
                written.incrementAndGet();
            })));
            futures.add(CompletableFuture.runAsync(() -> write(database, Duration.ofMillis(500), connection -> {
                connection.createStatement().execute("""
                        INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload)
                        SELECT gen_random_uuid(), '%s', 'multi-' || (g %% 5), 'Multi',
                               jsonb_build_object('i', (extract(epoch FROM clock_timestamp()) * 1e6)::bigint * 1000 + g)
                          FROM generate_series(1, 100) g""".formatted(aggregateType));
                written.addAndGet(100);
            })));
            futures.add(CompletableFuture.runAsync(() -> write(database, Duration.ofSeconds(5), connection -> {
                Outboxes.copy(connection, aggregateType, "copy-", 500);
                written.addAndGet(500);
            })));
        }

        interface Write {
            void run(Connection connection) throws Exception;
        }

        /** Open loop at one write per {@code interval}: about 200 + 200 + 100 rows per second in all. */
        private void write(TestDatabase database, Duration interval, Write write) {
            try (Connection connection = database.dataSource().getConnection()) {
                long next = System.nanoTime();
                while (running.get()) {
                    write.run(connection);
                    next += interval.toNanos();
                    java.util.concurrent.locks.LockSupport.parkNanos(next - System.nanoTime());
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        long stop() {
            running.set(false);
            futures.forEach(CompletableFuture::join);
            return written.get();
        }
    }

    /** A relay streams what commits after its slot exists (no snapshot): create it before the writers start. */
    private static void createSlot(TestDatabase database, String name) {
        database.execute("SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput')");
    }

    private static void awaitStreaming(RelayProcess relay) {
        await().atMost(Duration.ofSeconds(60)).until(() -> relay.output().contains("streaming public.outbox"));
    }

    /** Runs the campaign and returns the records a read_committed consumer saw, after a final clean relay run. */
    private static List<ConsumerRecord<byte[], byte[]>> campaign(TestDatabase database, Kafka kafka, String name,
            String delivery, int kills, boolean checkSlotAgainstKafka) throws Exception {
        Random random = new Random(7);
        createSlot(database, name);
        Writers writers = new Writers(database, "eos");
        List<Long> violations = new ArrayList<>();
        for (int kill = 0; kill < kills; kill++) {
            try (RelayProcess relay = new RelayProcess(environment(database, kafka, name, delivery)).start()) {
                awaitStreaming(relay);
                long until = System.nanoTime() + Duration.ofMillis(200 + random.nextInt(1200)).toNanos();
                while (System.nanoTime() < until) {
                    if (checkSlotAgainstKafka) {
                        slotAheadOfKafka(database, kafka, name).ifPresent(violations::add);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                relay.killNine();
            }
        }
        // The campaign is at least 20,000 events: keep writing (relay down) until there are.
        await().atMost(Duration.ofMinutes(3)).until(() -> writers.written.get() >= 20_000);
        long written = writers.stop();
        try (RelayProcess last = new RelayProcess(environment(database, kafka, name, delivery)).start();
                var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".eos")) {
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            try {
                await().atMost(Duration.ofSeconds(180)).untilAsserted(() -> {
                    for (var record : Outboxes.readAtLeast(consumer, 1, Duration.ofMillis(300))) {
                        records.add(record);
                        ids.add(Outboxes.header(record, "id"));
                    }
                    assertThat(ids.size()).as("distinct rows read of %d written", written)
                            .isGreaterThanOrEqualTo((int) written);
                });
            } catch (AssertionError | RuntimeException e) {
                var missing = database.dsl().fetch(
                        "SELECT id::text, aggregateid, created_at, xmin::text FROM outbox WHERE aggregatetype = 'eos'"
                        + " ORDER BY created_at").stream()
                        .filter(r -> !ids.contains(r.get(0, String.class))).toList();
                System.out.println("MISSING " + missing.size() + " rows; first 40:");
                missing.stream().limit(40).forEach(r -> System.out.println("MISSING " + r.intoList()));
                System.out.println("RELAY OUTPUT " + last.output());
                throw e;
            }
            records.addAll(Outboxes.drainQuiet(consumer));
            assertThat(last.terminate()).isZero();
            assertThat(violations).as("times the slot's confirmed position passed Kafka's committed one").isEmpty();
            assertThat(new HashSet<>(records.stream().map(r -> Outboxes.header(r, "id")).toList()))
                    .as("every committed row, none lost").hasSize((int) written);
            System.out.printf("%s campaign: %d kills, %d rows written, %d records read, %d duplicates%n", delivery,
                    kills, written, records.size(), records.size() - written);
            return records;
        }
    }

    /**
     * How far the slot's confirmed position is past Kafka's committed one, if it is and Kafka does not catch up while
     * the relay keeps running. A read_committed reader can see a committed position only once the transaction's
     * markers are written, which Kafka does after {@code commitTransaction} returns, and before the first commit the
     * slot sits at its creation point while the record says 0: both pass within moments. A slot confirmed past what
     * Kafka holds for good would not.
     */
    private static Optional<Long> slotAheadOfKafka(TestDatabase database, Kafka kafka, String name) {
        long slot = Outboxes.slotConfirmed(database, name);
        if (Outboxes.kafkaPosition(kafka.bootstrapServers(), POSITIONS, name) >= slot) {
            return Optional.empty();
        }
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> Outboxes.kafkaPosition(kafka.bootstrapServers(), POSITIONS, name) >= slot);
            return Optional.empty();
        } catch (ConditionTimeoutException e) {
            return Optional.of(slot - Outboxes.kafkaPosition(kafka.bootstrapServers(), POSITIONS, name));
        }
    }

    private static void assertPerAggregateOrder(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Long> last = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            if (!seen.add(Outboxes.header(record, "id"))) {
                continue; // a duplicate (at-least-once) repeats an earlier position; order is about first arrivals
            }
            long i = Long.parseLong(Outboxes.value(record).replaceAll("\\D", ""));
            Long previous = last.put(Outboxes.key(record), i);
            assertThat(previous == null || previous < i).as("order of %s", Outboxes.key(record)).isTrue();
        }
    }

    @Test
    void exactlyOnceSurvivesFifteenKillNinesWithNoLossNoDuplicateAndCommitOrder(TestDatabase database, Kafka kafka)
            throws Exception {
        kafka.createTopic("eos_campaign.eos", 3);
        List<ConsumerRecord<byte[], byte[]>> records = campaign(database, kafka, "eos_campaign", "exactly-once", 15,
                true);

        assertThat(records.size()).as("records read").isEqualTo(
                new HashSet<>(records.stream().map(r -> Outboxes.header(r, "id")).toList()).size());
        assertThat(records.size()).isGreaterThanOrEqualTo(20_000);
        assertPerAggregateOrder(records);
    }

    @Test
    void atLeastOnceSurvivesKillNinesWithNoLoss(TestDatabase database, Kafka kafka) throws Exception {
        kafka.createTopic("alo_campaign.eos", 3);
        List<ConsumerRecord<byte[], byte[]>> records = campaign(database, kafka, "alo_campaign", "at-least-once", 15,
                false);

        assertPerAggregateOrder(records);
    }

    /**
     * A second relay of the same name stands by (the leadership lock) instead of fencing the first; when the first
     * dies it takes over: Kafka's position and the new producer's fencing of the old epoch leave nothing lost or
     * repeated.
     */
    @Test
    void aSecondRelayWithTheSameNameStandsByThenTakesOverAndNothingIsLostOrRepeated(TestDatabase database,
            Kafka kafka) throws Exception {
        String name = "eos_fence";
        kafka.createTopic(name + ".eos", 3);
        createSlot(database, name);
        Writers writers = new Writers(database, "eos");
        try (RelayProcess first = new RelayProcess(environment(database, kafka, name, "exactly-once")).start()) {
            awaitStreaming(first);
            try (RelayProcess second = new RelayProcess(environment(database, kafka, name, "exactly-once")).start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> second.output().contains("standby, asking again"));
                assertThat(first.isAlive()).as("the first relay keeps streaming").isTrue();
                first.killNine();
                awaitStreaming(second);
                long written = writers.stop();
                try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".eos")) {
                    List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
                    Set<String> ids = new HashSet<>();
                    await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
                        for (var record : Outboxes.readAtLeast(consumer, 1, Duration.ofMillis(300))) {
                            records.add(record);
                            ids.add(Outboxes.header(record, "id"));
                        }
                        assertThat(ids.size()).as("distinct rows read of %d written", written)
                                .isGreaterThanOrEqualTo((int) written);
                    });
                    records.addAll(Outboxes.drainQuiet(consumer));
                    assertThat(records).hasSize((int) written);
                }
                assertThat(second.terminate()).isZero();
            }
        } finally {
            writers.stop();
        }
    }
}
