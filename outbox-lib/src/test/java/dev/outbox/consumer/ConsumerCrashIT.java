package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.support.RelayRecords;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 4: a crash after the database commit but before the offset commit. The broker (its own JVM) is killed with
 * SIGKILL while the handler runs, so the database commit succeeds and the offset commit cannot; the runner is then
 * shut down with its offsets never committed, as a crashed service would leave them.
 */
@OutboxInfraTest
class ConsumerCrashIT {

    record StockReserved(UUID orderId, int quantity) {
    }

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("CREATE TABLE effect (event_id uuid NOT NULL)");
    }

    @Test
    void offsetCommitLostAfterTheDatabaseCommitRedeliversTheRecordWithoutASecondEffect(
            DataSource dataSource, DSLContext dsl) throws Exception {
        String topic = "outbox.event.inventory";
        String group = "order-service";
        UUID eventId = UUID.randomUUID();
        UUID orderId = UUID.randomUUID();
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        EventHandler<StockReserved> handler = (tx, event, ctx) -> {
            calls.incrementAndGet();
            tx.execute("INSERT INTO effect (event_id) VALUES (?::uuid)", ctx.eventId());
            entered.countDown();
            assertThat(release.await(60, TimeUnit.SECONDS)).isTrue();
        };

        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start()) {
            broker.createTopic(topic, 1);
            try (RelayRecords relay = new RelayRecords(broker.bootstrapServers())) {
                relay.send(topic, 0, eventId, "StockReserved", orderId.toString(),
                        "{\"orderId\":\"" + orderId + "\",\"quantity\":1}", Map.of());
            }
            SimpleMeterRegistry firstMeters = new SimpleMeterRegistry();
            EventConsumer first = EventConsumer.builder(dataSource, broker.bootstrapServers(), group)
                    .topics(topic)
                    .on("StockReserved", StockReserved.class, handler)
                    .consumerProperty("default.api.timeout.ms", 2000)
                    // It never leaves the group: a short session lets the restarted broker drop it soon.
                    .consumerProperty("session.timeout.ms", 6000)
                    .consumerProperty("heartbeat.interval.ms", 1000)
                    .meterRegistry(firstMeters)
                    .start();
            assertThat(entered.await(60, TimeUnit.SECONDS)).isTrue();

            broker.kill();
            release.countDown();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> firstMeters.counter("outbox.consumer.processed", "group", group, "topic", topic)
                            .count() == 1);
            first.close(); // the "crash": its offset never reached the dead broker
            assertThat(dsl.fetchOne("SELECT count(*) FROM effect").get(0, Integer.class)).isEqualTo(1);

            broker.restart();
            assertThat(committed(broker, group, topic)).isEqualTo(-1);

            SimpleMeterRegistry secondMeters = new SimpleMeterRegistry();
            try (EventConsumer second = EventConsumer.builder(dataSource, broker.bootstrapServers(), group)
                    .topics(topic)
                    .on("StockReserved", StockReserved.class, handler)
                    .meterRegistry(secondMeters)
                    .start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> committed(broker, group, topic) == 1);
                assertThat(secondMeters.counter("outbox.consumer.duplicates", "group", group, "topic", topic).count())
                        .isEqualTo(1);
            }
        }
        assertThat(calls.get()).isEqualTo(1);
        assertThat(dsl.fetchOne("SELECT count(*) FROM effect WHERE event_id = ?::uuid", eventId).get(0, Integer.class))
                .isEqualTo(1);
    }

    private static long committed(KafkaBrokerProcess broker, String group, String topic) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
                    .get(30, TimeUnit.SECONDS).get(new TopicPartition(topic, 0));
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
