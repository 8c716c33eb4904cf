package dev.outbox.consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.support.RelayRecords;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 20: transactions that lose a race are retried without counting, attempts survive a restart of the
 * consumer, the inbox transaction can be supplied, and the inbox works on its own.
 */
@OutboxInfraTest
class ConsumerResilienceIT {

    record Deposit(int account, int amount) {
    }

    private final List<EventConsumer> consumers = new ArrayList<>();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private RelayRecords relay;
    private String topic;
    private String group;

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("CREATE TABLE IF NOT EXISTS account (id int PRIMARY KEY, balance int NOT NULL)",
                "CREATE TABLE IF NOT EXISTS inbox_effect (event_id uuid NOT NULL)");
    }

    @BeforeEach
    void setUp(Kafka kafka) {
        relay = new RelayRecords(kafka.bootstrapServers());
        topic = "outbox.event.account-" + UUID.randomUUID();
        group = "ledger-" + UUID.randomUUID();
        kafka.createTopic(topic, 1);
    }

    @AfterEach
    void tearDown() {
        consumers.forEach(EventConsumer::close);
        relay.close();
    }

    private EventConsumer.Builder runner(DataSource dataSource, Kafka kafka) {
        return EventConsumer.builder(dataSource, kafka.bootstrapServers(), group)
                .topics(topic)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(200))
                .pollTimeout(Duration.ofMillis(100))
                .meterRegistry(meters);
    }

    private EventConsumer started(EventConsumer.Builder builder) {
        EventConsumer consumer = builder.start();
        consumers.add(consumer);
        return consumer;
    }

    private UUID sendDeposit(int account, int amount) {
        UUID eventId = UUID.randomUUID();
        relay.send(topic, 0, eventId, "Deposit", Integer.toString(account),
                "{\"account\":" + account + ",\"amount\":" + amount + "}", Map.of());
        return eventId;
    }

    private static int newAccount(TestDatabase database) {
        int id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        database.execute("INSERT INTO account (id, balance) VALUES (" + id + ", 0)");
        return id;
    }

    private static int balance(DSLContext dsl, int account) {
        return dsl.fetchOne("SELECT balance FROM account WHERE id = ?", account).get(0, Integer.class);
    }

    private double count(String name) {
        return meters.find(name).tag("group", group).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private long committed(Kafka kafka) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
            OffsetAndMetadata offset = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(topic, 0));
            return offset == null ? -1 : offset.offset();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Inbox transactions at REPEATABLE READ, where a concurrent update of a row read is a serialization failure. */
    private static InboxTransactions repeatableRead(DataSource dataSource) {
        InboxTransactions plain = InboxTransactions.of(dataSource);
        return work -> plain.inTransaction(connection -> {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
            }
            work.run(connection);
        });
    }

    @Test
    void aSerializationFailureIsRetriedWithoutCountingAsAnAttemptAndAppliedOnce(
            DataSource dataSource, DSLContext dsl, TestDatabase database, Kafka kafka) {
        int account = newAccount(database);
        AtomicInteger calls = new AtomicInteger();
        UUID eventId = sendDeposit(account, 10);

        // maxAttempts 1: had the failure counted, the deposit would have gone to the dead-letter topic.
        started(runner(dataSource, kafka).maxAttempts(1).transactions(repeatableRead(dataSource))
                .on("Deposit", Deposit.class, (tx, deposit, ctx) -> {
                    if (calls.incrementAndGet() == 1) {
                        // Another transaction changes the row after this one's snapshot was taken.
                        database.execute("UPDATE account SET balance = balance + 1 WHERE id = " + deposit.account());
                    }
                    tx.execute("UPDATE account SET balance = balance + ? WHERE id = ?", deposit.amount(),
                            deposit.account());
                }));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka) == 1);
        assertThat(calls.get()).isEqualTo(2);
        assertThat(balance(dsl, account)).isEqualTo(11);
        assertThat(count("outbox.consumer.retries")).isEqualTo(1);
        assertThat(count("outbox.consumer.dead.lettered")).isZero();
        assertThat(dsl.fetchOne("SELECT count(*) FROM processed_event WHERE consumer_group = ? AND event_id = ?::uuid",
                group, eventId).get(0, Integer.class)).isEqualTo(1);
    }

    @Test
    void aDeadlockIsRetriedWithoutCountingAsAnAttemptAndAppliedOnce(
            DataSource dataSource, DSLContext dsl, TestDatabase database, Kafka kafka) throws Exception {
        int first = newAccount(database);
        int second = newAccount(database);
        AtomicInteger calls = new AtomicInteger();
        CountDownLatch handlerHoldsFirst = new CountDownLatch(1);
        AtomicReference<Throwable> otherFailure = new AtomicReference<>();
        try (Connection other = dataSource.getConnection(); Statement statement = other.createStatement()) {
            other.setAutoCommit(false);
            // The other transaction never gives up first: the handler's transaction is the deadlock's victim.
            statement.execute("SET deadlock_timeout = '60s'");
            statement.execute("UPDATE account SET balance = balance + 100 WHERE id = " + second);
            sendDeposit(first, 10);

            started(runner(dataSource, kafka).maxAttempts(1).on("Deposit", Deposit.class, (tx, deposit, ctx) -> {
                tx.execute("UPDATE account SET balance = balance + ? WHERE id = ?", deposit.amount(), first);
                if (calls.incrementAndGet() == 1) {
                    handlerHoldsFirst.countDown();
                    await().atMost(Duration.ofSeconds(30)).until(() -> waitingOnLocks(database) == 1);
                }
                tx.execute("UPDATE account SET balance = balance + ? WHERE id = ?", deposit.amount(), second);
            }));
            assertThat(handlerHoldsFirst.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> otherWaits = CompletableFuture.runAsync(() -> {
                try {
                    statement.execute("UPDATE account SET balance = balance + 100 WHERE id = " + first);
                    other.commit();
                } catch (Exception e) {
                    otherFailure.set(e);
                }
            });
            otherWaits.get(60, TimeUnit.SECONDS);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka) == 1);
        assertThat(otherFailure.get()).isNull();
        assertThat(calls.get()).isEqualTo(2);
        assertThat(balance(dsl, first)).isEqualTo(110);
        assertThat(balance(dsl, second)).isEqualTo(110);
        assertThat(count("outbox.consumer.dead.lettered")).isZero();
    }

    private static int waitingOnLocks(TestDatabase database) {
        return database.dsl().fetchOne("""
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                """).get(0, Integer.class);
    }

    @Test
    void attemptsSurviveClosingAndReopeningTheConsumerAndTheRecordIsDeadLetteredAfterMaxAttemptsInTotal(
            DataSource dataSource, Kafka kafka) {
        AtomicInteger calls = new AtomicInteger();
        UUID eventId = sendDeposit(1, 10);
        EventHandler<Deposit> alwaysFailing = (tx, deposit, ctx) -> {
            calls.incrementAndGet();
            throw new IllegalStateException("always failing");
        };
        // A backoff longer than each run: every consumer makes one attempt and is closed before its retry.
        for (int run = 1; run <= 2; run++) {
            EventConsumer consumer = started(runner(dataSource, kafka).maxAttempts(3)
                    .backoff(Duration.ofMinutes(1), Duration.ofMinutes(1))
                    .on("Deposit", Deposit.class, alwaysFailing));
            int expected = run;
            await().atMost(Duration.ofSeconds(30)).until(() -> calls.get() == expected);
            consumer.close();
        }
        started(runner(dataSource, kafka).maxAttempts(3).backoff(Duration.ofMinutes(1), Duration.ofMinutes(1))
                .on("Deposit", Deposit.class, alwaysFailing));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka) == 1);
        assertThat(calls.get()).isEqualTo(3);
        List<ConsumerRecord<byte[], byte[]>> dead = relay.readAll(topic + "-dlt", 1);
        assertThat(dead).hasSize(1);
        assertThat(RelayRecords.header(dead.getFirst(), "id")).isEqualTo(eventId.toString());
        assertThat(RelayRecords.header(dead.getFirst(), DeadLetterHeaders.ATTEMPTS)).isEqualTo("3");
    }

    @Test
    void suppliedInboxTransactionsRunTheInboxRowAndTheHandlerInOneTransaction(
            DataSource dataSource, DSLContext dsl, Kafka kafka) {
        InboxTransactions plain = InboxTransactions.of(dataSource);
        AtomicInteger transactions = new AtomicInteger();
        List<String> seenByHandler = new ArrayList<>();
        InboxTransactions marked = work -> plain.inTransaction(connection -> {
            transactions.incrementAndGet();
            try (Statement statement = connection.createStatement()) {
                statement.execute("SELECT set_config('outbox_test.tx', 'supplied', true)"); // transaction-local
            }
            work.run(connection);
        });
        UUID eventId = sendDeposit(1, 10);

        started(runner(dataSource, kafka).transactions(marked).on("Deposit", Deposit.class, (tx, deposit, ctx) -> {
            seenByHandler.add(tx.fetchOne("SELECT current_setting('outbox_test.tx', true)").get(0, String.class));
            tx.execute("INSERT INTO inbox_effect (event_id) VALUES (?::uuid)", ctx.eventId());
        }));

        await().atMost(Duration.ofSeconds(30)).until(() -> committed(kafka) == 1);
        assertThat(transactions.get()).isEqualTo(1);
        assertThat(seenByHandler).containsExactly("supplied");
        assertThat(dsl.fetchOne("SELECT count(*) FROM inbox_effect WHERE event_id = ?::uuid", eventId)
                .get(0, Integer.class)).isEqualTo(1);
    }

    @Test
    void inboxFirstDeliveryIsTrueOncePerGroupAndRollsBackWithItsTransaction(DataSource dataSource) throws Exception {
        UUID eventId = UUID.randomUUID();
        InboxTransactions transactions = InboxTransactions.of(dataSource);
        List<Boolean> firsts = new ArrayList<>();

        assertThatThrownBy(() -> transactions.inTransaction(connection -> {
            firsts.add(Inbox.firstDelivery(connection, group, eventId));
            throw new AssertionError("the effect failed");
        })).isInstanceOf(AssertionError.class).hasMessage("the effect failed");
        transactions.inTransaction(connection -> firsts.add(Inbox.firstDelivery(connection, group, eventId)));
        transactions.inTransaction(connection -> firsts.add(Inbox.firstDelivery(connection, group, eventId)));
        transactions.inTransaction(connection ->
                firsts.add(Inbox.firstDelivery(connection, "other-" + group, eventId)));

        // Rolled back with the failed effect, then a first delivery, a duplicate, and another group's first.
        assertThat(firsts).containsExactly(true, true, false, true);
        try (Connection autoCommit = dataSource.getConnection()) {
            assertThatThrownBy(() -> Inbox.firstDelivery(autoCommit, group, UUID.randomUUID()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("setAutoCommit(false)");
        }
    }
}
