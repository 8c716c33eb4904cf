package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.PostgresStandbyPair;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Issue 16, item 2: across a PostgreSQL failover (primary killed with SIGKILL, standby promoted) the relay, given
 * both hosts in OUTBOX_DB_URL, finds the new primary and continues from the failover slot the standby kept in sync:
 * every committed row is delivered. Prints the recovery time (primary killed → first row committed on the new
 * primary delivered). Exactly-once: no row twice either, the committed position holding on the new timeline.
 */
@OutboxInfraTest
class RelayPostgresFailoverIT {

    @ParameterizedTest
    @CsvSource({"pgoutput, at-least-once", "debezium, at-least-once", "pgoutput, exactly-once",
            "debezium, exactly-once"})
    void relayContinuesFromTheSynchronisedSlotOnThePromotedStandbyWithoutLoss(String source, String delivery,
            Kafka kafka) throws Exception {
        boolean exactlyOnce = delivery.equals("exactly-once");
        String name = "failover_" + source + (exactlyOnce ? "_eos" : "");
        try (PostgresStandbyPair pair = PostgresStandbyPair.start(true, name)) {
            String url = pair.jdbcUrl(name);
            PGSimpleDataSource primary = new PGSimpleDataSource();
            primary.setURL(pair.primary().jdbcUrl(name));
            primary.setUser(pair.primary().user());
            OutboxSchema.migrateLibrary(primary);

            Map<String, String> environment = new HashMap<>();
            environment.put("OUTBOX_DB_URL", url);
            environment.put("OUTBOX_DB_USER", pair.primary().user());
            environment.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
            environment.put("OUTBOX_RELAY_NAME", name);
            environment.put("OUTBOX_TOPIC_TEMPLATE", name + ".${aggregatetype}");
            int httpPort = RelayEndpoints.freePort();
            environment.put("OUTBOX_HTTP_PORT", Integer.toString(httpPort));
            environment.put("OUTBOX_SOURCE", source);
            environment.put("OUTBOX_POSITION_TOPIC", name + ".positions");
            environment.put("OUTBOX_DELIVERY", delivery);
            try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), name + ".failover");
                    RelayProcess relay = new RelayProcess(environment).start();
                    ContinuousWriter writer = new ContinuousWriter(url, pair.primary().user())) {
                await().atMost(Duration.ofSeconds(90)).until(() -> relay.output().contains("streaming public.outbox")
                        || !relay.isAlive());
                assertThat(relay.output()).contains("replication slot " + name + " is a failover slot; standby "
                        + "slot(s) [" + PostgresStandbyPair.STANDBY_SLOT + "]");
                assertThat(new RelayEndpoints(httpPort).body("/metrics"))
                        .containsPattern("outbox_relay_slot_failover_ready\\{[^}]*\\} 1\\.0");
                Map<String, Long> delivered = new ConcurrentHashMap<>();
                Set<String> duplicates = new HashSet<>();

                writer.start();
                awaitOrShow(relay, "rows relayed", () -> {
                    read(consumer, delivered, duplicates);
                    return delivered.size() >= 200;
                });
                String relayed = slotConfirmed(primary, name);
                awaitOrShow(relay, "the slot synchronised to the standby at " + relayed,
                        () -> pair.slotSynchronized(name, name, relayed));

                long killedAt = System.nanoTime();
                pair.killPrimary();
                // Rows begun once the primary and its backends are gone can only commit on the promoted standby.
                writer.markFailover(System.nanoTime());
                pair.promoteStandby();
                await("the writer commits on the promoted standby").atMost(Duration.ofSeconds(60))
                        .until(() -> writer.acknowledgedAfterFailover() >= 200);
                writer.close();

                Set<String> acknowledged = writer.acknowledged();
                awaitOrShow(relay, "every acknowledged row delivered", () -> {
                            read(consumer, delivered, duplicates);
                            return delivered.keySet().containsAll(acknowledged) || !relay.isAlive();
                        });
                assertThat(relay.isAlive()).as("relay alive after the failover; output:%n%s", relay.output()).isTrue();
                Set<String> lost = new HashSet<>(acknowledged);
                lost.removeAll(delivered.keySet());
                long recovered = writer.committedAfterFailover().stream().map(delivered::get)
                        .filter(java.util.Objects::nonNull).mapToLong(Long::longValue).min().orElseThrow();
                System.out.printf("PostgreSQL failover (%s, %s): %d rows acknowledged, %d lost, %d duplicates; recovery "
                        + "(primary killed -> first row of the new primary delivered) %d ms%n", source, delivery,
                        acknowledged.size(), lost.size(), duplicates.size(), (recovered - killedAt) / 1_000_000);
                assertThat(lost).as("acknowledged rows never delivered; relay output:%n%s", relay.output()).isEmpty();
                assertThat(relay.isAlive()).as("relay alive; output:%n%s", relay.output()).isTrue();
                assertThat(relay.output()).contains("timeline changed from 1 to 2");
                if (exactlyOnce) {
                    assertThat(duplicates).as("exactly-once: rows delivered twice").isEmpty();
                    assertThat(relay.output()).contains("is at or before the switch point");
                }
            }
        }
    }

    private static void awaitOrShow(RelayProcess relay, String what, java.util.concurrent.Callable<Boolean> done) {
        try {
            await(what).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(done);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(what + " did not happen in time; relay output:\n" + relay.output(), e);
        }
    }

    private static void read(org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer,
            Map<String, Long> delivered, Set<String> duplicates) {
        for (var record : consumer.poll(Duration.ofMillis(100))) {
            String id = Outboxes.header(record, "id");
            if (delivered.putIfAbsent(id, System.nanoTime()) != null) {
                duplicates.add(id);
            }
        }
    }

    private static String slotConfirmed(javax.sql.DataSource primary, String slot) throws SQLException {
        try (Connection connection = primary.getConnection(); Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT confirmed_flush_lsn FROM pg_replication_slots "
                        + "WHERE slot_name = '" + slot + "'")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Commits one outbox row per transaction through the multi-host URL, reconnecting (to whichever host is the
     * primary) after a failure; remembers the ids whose commit was acknowledged, and which of those came after the
     * failover. A commit whose acknowledgement was lost in the crash is neither.
     */
    private static final class ContinuousWriter implements AutoCloseable {

        private final String url;
        private final String user;
        private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        private final Set<String> afterFailover = ConcurrentHashMap.newKeySet();
        private volatile long failoverAt;
        private volatile boolean stopping;
        private Thread thread;

        ContinuousWriter(String url, String user) {
            this.url = url + "&connectTimeout=2&socketTimeout=10";
            this.user = user;
        }

        void start() {
            thread = Thread.ofPlatform().name("failover-writer").start(this::run);
        }

        void markFailover(long at) {
            failoverAt = at;
        }

        private void run() {
            while (!stopping) {
                try (Connection connection = DriverManager.getConnection(url, user, "")) {
                    while (!stopping) {
                        long attempt = System.nanoTime();
                        String id = Outboxes.insert(connection, "failover", "a-" + (acknowledged.size() % 16),
                                "{\"n\": " + acknowledged.size() + "}");
                        acknowledged.add(id);
                        if (failoverAt != 0 && attempt > failoverAt) {
                            afterFailover.add(id);
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
                    }
                } catch (SQLException e) {
                    java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                }
            }
        }

        int acknowledgedAfterFailover() {
            return afterFailover.size();
        }

        Set<String> acknowledged() {
            return Set.copyOf(acknowledged);
        }

        Set<String> committedAfterFailover() {
            return Set.copyOf(afterFailover);
        }

        @Override
        public void close() throws InterruptedException {
            stopping = true;
            if (thread != null) {
                thread.join(30_000);
            }
        }
    }
}
