package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.consumer.EventConsumer;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every metric a panel of {@code deploy/grafana/outbox-dashboard.json} queries exists: the relay's on the real
 * {@code /metrics} of a relay process, the consumer's in the registry of a real outbox-lib consumer that has
 * processed, ignored, retried, dead-lettered and deduplicated events the relay delivered.
 */
@OutboxInfraTest
class DashboardIT {

    private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "outbox-dashboard.json");
    /** Metric names in PromQL: ours, the producer's and the JVM's; labels and functions never start like this. */
    private static final Pattern METRIC = Pattern.compile("\\b(?:outbox|kafka|jvm|process|system)_[a-z0-9_]+");

    record Thing(int n) {
    }

    @Test
    void everyMetricAPanelQueriesExists(TestDatabase database, Kafka kafka) throws Exception {
        Set<String> queried = queriedMetrics();
        assertThat(queried).as("metrics the dashboard queries").contains("outbox_relay_events_total",
                "outbox_relay_last_event_timestamp_seconds", "kafka_producer_record_send_total",
                "jvm_memory_used_bytes", "outbox_consumer_processed_total");

        String name = "dashboard_it";
        String topic = name + ".thing";
        OutboxSchema.migrateLibrary(database.dataSource());
        kafka.createTopic(topic, 1);
        int port = freePort();
        Map<String, String> environment = RelayProcess.environment(database, kafka, name);
        environment.put("OUTBOX_HTTP_PORT", Integer.toString(port));
        environment.put("OUTBOX_LOG_FORMAT", "json");
        PrometheusMeterRegistry consumerMeters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // RelayMain sets up the production logging over the test classpath's logback-test.xml.
        try (RelayProcess relay = new RelayProcess(environment).start();
             EventConsumer consumer = EventConsumer.builder(database.dataSource(), kafka.bootstrapServers(), name)
                     .topics(topic)
                     .on("Known", Thing.class, (tx, thing, context) -> { })
                     .on("Failing", Thing.class, (tx, thing, context) -> {
                         throw new IllegalStateException("fails on purpose");
                     })
                     .ignore("Ignored")
                     .maxAttempts(2)
                     .backoff(Duration.ofMillis(50), Duration.ofMillis(100))
                     .pollTimeout(Duration.ofMillis(100))
                     .meterRegistry(consumerMeters)
                     .start()) {
            await().atMost(Duration.ofSeconds(90)).until(() -> status(port, "/health/ready") == 200);
            insertEvents(database);

            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(
                    present(consumerMeters.scrape())).containsAll(queriedBy(queried, "outbox_consumer_")));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                System.gc(); // the GC pause timer appears with the first collection
                Set<String> relayQueried = new TreeSet<>(queried);
                relayQueried.removeIf(metric -> metric.startsWith("outbox_consumer_"));
                assertThat(present(get(port, "/metrics"))).containsAll(relayQueried);
            });
            assertThat(relay.output()).as("OUTBOX_LOG_FORMAT=json").contains("\"formattedMessage\"");
        }
    }

    /** One of each outcome: processed, ignored, retried then dead-lettered, and a duplicate of the first. */
    private static void insertEvents(TestDatabase database) throws SQLException {
        String known = UUID.randomUUID().toString();
        try (Connection connection = database.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            insert(connection, known, "Known");
            insert(connection, UUID.randomUUID().toString(), "Ignored");
            insert(connection, UUID.randomUUID().toString(), "Failing");
            // The same event id again: the relay delivers it twice, the consumer's inbox skips the second.
            try (PreparedStatement delete = connection.prepareStatement("DELETE FROM outbox WHERE id = ?::uuid")) {
                delete.setString(1, known);
                delete.executeUpdate();
            }
            insert(connection, known, "Known");
            connection.commit();
        }
    }

    private static void insert(Connection connection, String id, String type) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(Outboxes.INSERT)) {
            statement.setString(1, id);
            statement.setString(2, "thing");
            statement.setString(3, "thing-1");
            statement.setString(4, type);
            statement.setString(5, "{\"n\": 1}");
            statement.setString(6, "{}");
            statement.executeUpdate();
        }
    }

    private static Set<String> queriedMetrics() throws IOException {
        Set<String> metrics = new TreeSet<>();
        for (JsonNode expr : new ObjectMapper().readTree(DASHBOARD.toFile()).findValues("expr")) {
            Matcher matcher = METRIC.matcher(expr.asText());
            while (matcher.find()) {
                metrics.add(matcher.group());
            }
        }
        return metrics;
    }

    private static Set<String> queriedBy(Set<String> metrics, String prefix) {
        Set<String> selected = new TreeSet<>(metrics);
        selected.removeIf(metric -> !metric.startsWith(prefix));
        return selected;
    }

    /** The metric names with at least one sample in a Prometheus text scrape. */
    private static Set<String> present(String scrape) {
        Set<String> names = new TreeSet<>();
        scrape.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
                .forEach(line -> names.add(line.split("[{ ]", 2)[0]));
        return names;
    }

    private static int status(int port, String path) {
        try {
            return send(port, path).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static String get(int port, String path) throws IOException {
        return send(port, path).body();
    }

    private static HttpResponse<String> send(int port, String path) throws IOException {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
