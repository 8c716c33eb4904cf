package dev.outbox.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.outbox.Outbox;
import dev.outbox.saga.SagaTimeoutScanner;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.spring.StarterTestApplication.OrderService;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Issue 20: a Boot application with its own Flyway migrations at classpath:db/migration plus the starter, on the
 * real embedded PostgreSQL and Kafka.
 */
@OutboxInfraTest
class StarterIT {

    static final String PAYMENTS = "starter-it.payments";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static ConfigurableApplicationContext app;
    private static JdbcTemplate jdbc;

    @BeforeAll
    static void start(TestDatabase database, Kafka kafka) {
        kafka.createTopic(PAYMENTS, 1);
        kafka.createTopic(PAYMENTS + "-dlt", 1);
        app = new SpringApplicationBuilder(StarterTestApplication.class)
                .web(WebApplicationType.NONE)
                .properties(Map.of(
                        "spring.datasource.url", database.jdbcUrl(),
                        "spring.datasource.username", database.user(),
                        "spring.datasource.password", database.password(),
                        "spring.application.name", "starter-it",
                        "outbox.consumer.bootstrap-servers", kafka.bootstrapServers(),
                        "outbox.consumer.max-attempts", "2",
                        "outbox.consumer.instance-id", "starter-it-1",
                        "outbox.saga-timeouts.enabled", "true",
                        "outbox.saga-timeouts.interval", "100ms"))
                .run();
        jdbc = app.getBean(JdbcTemplate.class);
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void applicationMigrationsAtBootsDefaultLocationAndLibraryMigrationsApplyEachWithItsOwnHistory() {
        assertThat(jdbc.queryForList("SELECT script FROM flyway_schema_history WHERE success ORDER BY installed_rank",
                String.class)).containsExactly("V1__orders.sql", "V2__account.sql");
        assertThat(jdbc.queryForList("SELECT script FROM " + OutboxSchema.HISTORY_TABLE
                + " WHERE version IS NOT NULL AND version <> '0' ORDER BY installed_rank", String.class))
                .startsWith("V1__outbox.sql", "V2__outbox_publication.sql");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM pg_publication WHERE pubname = 'outbox_pub'",
                Integer.class)).isOne();
    }

    @Test
    void publishingInACommittedTransactionalMethodLeavesTheOrderAndItsEvent() {
        UUID orderId = UUID.randomUUID();

        UUID eventId = app.getBean(OrderService.class).placeOrder(orderId);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM orders WHERE id = ?", Integer.class, orderId)).isOne();
        assertThat(jdbc.queryForObject("SELECT aggregateid FROM outbox WHERE id = ?", String.class, eventId))
                .isEqualTo(orderId.toString());
    }

    @Test
    void aRolledBackTransactionalMethodLeavesNeitherTheOrderNorAnEvent() {
        UUID orderId = UUID.randomUUID();

        assertThatThrownBy(() -> app.getBean(OrderService.class).placeOrderThenFail(orderId))
                .isInstanceOf(IllegalStateException.class);

        assertThat(jdbc.queryForObject("SELECT count(*) FROM orders WHERE id = ?", Integer.class, orderId)).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM outbox WHERE aggregateid = ?", Integer.class,
                orderId.toString())).isZero();
    }

    @Test
    void publishingThroughBootsDslContextJoinsTheTransactionalMethod() {
        OrderService service = app.getBean(OrderService.class);
        UUID committed = UUID.randomUUID();
        UUID rolledBack = UUID.randomUUID();

        UUID eventId = service.placeOrderWithJooq(committed, false);
        assertThatThrownBy(() -> service.placeOrderWithJooq(rolledBack, true)).isInstanceOf(IllegalStateException.class);

        assertThat(jdbc.queryForObject("SELECT aggregateid FROM outbox WHERE id = ?", String.class, eventId))
                .isEqualTo(committed.toString());
        assertThat(jdbc.queryForObject("SELECT count(*) FROM orders WHERE id = ?", Integer.class, rolledBack)).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM outbox WHERE aggregateid = ?", Integer.class,
                rolledBack.toString())).isZero();
    }

    @Test
    void publishingOutsideASpringTransactionIsRefusedSayingWhatToDo() {
        assertThatThrownBy(() -> app.getBean(OutboxPublisher.class)
                .publish(new StarterTestApplication.OrderPlaced(UUID.randomUUID())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@Transactional");
        assertThat(app.getBean(Outbox.class).config().table()).isEqualTo("outbox");
    }

    @Test
    void aPaymentDeliveredTwiceIsAppliedOnceByAJdbcTemplateHandler() {
        UUID eventId = UUID.randomUUID();

        send(eventId, "PaymentReceived", "{\"account\": \"a-1\", \"amount\": 25}");
        send(eventId, "PaymentReceived", "{\"account\": \"a-1\", \"amount\": 25}");
        UUID marker = UUID.randomUUID();
        send(marker, "PaymentReceived", "{\"account\": \"a-2\", \"amount\": 1}");

        // The partition is handled in order: once the marker is applied, both copies were handled.
        await().atMost(WAIT).until(() -> balance("a-2") == 1);
        assertThat(balance("a-1")).isEqualTo(25);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM processed_event WHERE consumer_group = 'starter-it' "
                + "AND event_id = ?", Integer.class, eventId)).isOne();
        MeterRegistry registry = app.getBean(MeterRegistry.class);
        assertThat(registry.find("outbox.consumer.duplicates").counter()).isNotNull();
        assertThat(registry.find("outbox.consumer.duplicates").counter().count()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aJdbcTemplateWriteOfAFailingHandlerRollsBackWithTheInboxRow() {
        UUID eventId = UUID.randomUUID();

        send(eventId, "PaymentRejected", "{\"account\": \"a-1\", \"amount\": 5}");

        await().atMost(WAIT).until(() -> app.getBean(MeterRegistry.class).find("outbox.consumer.dead.lettered")
                .counters().stream().mapToDouble(c -> c.count()).sum() >= 1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM handler_attempt WHERE event_id = ?", Integer.class,
                eventId)).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM processed_event WHERE event_id = ?", Integer.class,
                eventId)).isZero();
    }

    @Test
    void theTransactionalInboxAppliesAListenersEffectOncePerEvent() {
        OrderService service = app.getBean(OrderService.class);
        UUID eventId = UUID.randomUUID();
        long before = balance("a-2");

        service.creditOnce(eventId, "a-2", 100);
        service.creditOnce(eventId, "a-2", 100);

        assertThat(balance("a-2")).isEqualTo(before + 100);
        assertThatThrownBy(() -> app.getBean(TransactionalInbox.class).firstDelivery(UUID.randomUUID()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("@Transactional");
    }

    @Test
    void theConsumerIsReportedUpByItsHealthIndicator() throws Exception {
        // Read through reflection: this test runs on Spring Boot 4 and 3.5, whose health APIs live in other packages.
        Object indicator = app.getBean("outboxConsumerHealthIndicator");
        Object health = indicator.getClass().getMethod("health").invoke(indicator);

        assertThat(health.getClass().getMethod("getStatus").invoke(health)).hasToString("UP");
        Map<?, ?> details = (Map<?, ?>) health.getClass().getMethod("getDetails").invoke(health);
        assertThat(details.get("group")).isEqualTo("starter-it");
    }

    @Test
    void theConsumerJoinsItsGroupAsTheStaticMemberNamedByTheInstanceIdProperty() {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                app.getEnvironment().getProperty("outbox.consumer.bootstrap-servers")))) {
            await().atMost(WAIT).until(() -> groupInstanceIds(admin), ids -> ids.contains(Optional.of("starter-it-1")));
        }
    }

    private static List<Optional<String>> groupInstanceIds(Admin admin) throws Exception {
        return admin.describeConsumerGroups(List.of("starter-it")).describedGroups().get("starter-it").get()
                .members().stream().map(MemberDescription::groupInstanceId).toList();
    }

    @Test
    void aConsumerThatIsNotRunningIsReportedDown() throws Exception {
        Object running = app.getBean("outboxConsumerHealthIndicator");
        OutboxConsumerRunner notStarted = new OutboxConsumerRunner(() -> null, java.util.List.of());
        Object indicator = running.getClass().getConstructor(OutboxConsumerRunner.class).newInstance(notStarted);

        Object health = indicator.getClass().getMethod("health").invoke(indicator);

        assertThat(health.getClass().getMethod("getStatus").invoke(health)).hasToString("DOWN");
    }

    @Test
    void theSagaTimeoutScannerBeanHandsAnExpiredStepToTheApplicationsHandler() {
        assertThat(app.getBean(SagaTimeoutScanner.class)).isNotNull();
        UUID sagaId = UUID.randomUUID();

        jdbc.update("INSERT INTO saga_log (saga_id, saga_type, step, status, deadline_at) "
                + "VALUES (?, 'order', 'reserve_stock', 'PENDING', now() - interval '1 second')", sagaId);

        await().atMost(WAIT).until(() -> StarterTestApplication.TIMED_OUT.stream()
                .anyMatch(step -> step.sagaId().equals(sagaId)));
        assertThat(jdbc.queryForObject("SELECT status FROM saga_log WHERE saga_id = ?", String.class, sagaId))
                .isEqualTo("TIMED_OUT");
    }

    private static long balance(String account) {
        return jdbc.queryForObject("SELECT balance FROM account WHERE id = ?", Long.class, account);
    }

    private static void send(UUID eventId, String type, String json) {
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, app.getEnvironment()
                        .getProperty("outbox.consumer.bootstrap-servers")),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(PAYMENTS, null,
                    "a".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
            record.headers().add("id", eventId.toString().getBytes(StandardCharsets.UTF_8));
            record.headers().add("type", type.getBytes(StandardCharsets.UTF_8));
            producer.send(record);
            producer.flush();
        }
    }
}
