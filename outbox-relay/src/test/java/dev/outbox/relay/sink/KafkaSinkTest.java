package dev.outbox.relay.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import dev.outbox.relay.route.Routing;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * A topic the relay cannot write to (missing and not auto-created, or refused by an ACL) is a deployment problem, not
 * a dead letter: the relay is not ready, logs a line naming the topic and the fix, and goes on once it is fixed.
 */
class KafkaSinkTest {

    private static final String TOPIC = "outbox.event.order";

    private final Router router = new Router("outbox.event.${aggregatetype}", "/outbox-relay/test", 1024 * 1024,
            java.util.Set.of("outbox.dlq", "outbox.relay.positions"));
    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer());
    private final AtomicBoolean kafkaAvailable = new AtomicBoolean(true);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger sinkLog = (Logger) LoggerFactory.getLogger(KafkaSink.class);
    private KafkaSink sink;

    @BeforeEach
    void watchTheSink() {
        lines.start();
        sinkLog.addAppender(lines);
        sink = Sinks.atLeastOnce(producer, new AckPipelineTest.Recording() {
            @Override
            public void kafkaAvailable(boolean available) {
                kafkaAvailable.set(available);
            }
        });
    }

    @AfterEach
    void stopWatching() {
        sinkLog.detachAppender(lines);
    }

    private CompletableFuture<Void> sendInBackground() {
        Routing routing = router.route(new OutboxRow("e-1", "order", "o-1", "OrderPlaced", "{}", null, null, 0x100, 0,
                1));
        return CompletableFuture.runAsync(() -> {
            try {
                RecordMetadata ignored = sink.send(routing).get();
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
    }

    private boolean warned(String... parts) {
        List<ILoggingEvent> logged;
        // The sending thread appends while this one reads; logback's AppenderBase appends holding the appender.
        synchronized (lines) {
            logged = List.copyOf(lines.list);
        }
        return logged.stream().filter(line -> line.getLevel() == Level.WARN)
                .anyMatch(line -> Set.of(parts).stream().allMatch(line.getFormattedMessage()::contains));
    }

    @Test
    void aTopicAnAclRefusesMakesTheRelayNotReadyWithALineNamingTheTopicAndTheGrantUntilItIsGranted() {
        producer.partitionsForException = new TopicAuthorizationException(Set.of(TOPIC));
        CompletableFuture<Void> sending = sendInBackground();

        await().atMost(Duration.ofSeconds(10)).until(() -> warned("topic " + TOPIC, "kafka-acls.sh",
                "--operation Write"));
        assertThat(kafkaAvailable).isFalse();
        assertThat(sending).isNotDone();

        producer.partitionsForException = null;
        sending.join();
        assertThat(producer.history()).extracting(record -> record.topic()).containsExactly(TOPIC);
    }

    @Test
    void aTopicMissingFromTheMetadataIsNamedWithHowToCreateIt() {
        producer.partitionsForException = new TimeoutException("Topic " + TOPIC + " not present in metadata");
        CompletableFuture<Void> sending = sendInBackground();

        await().atMost(Duration.ofSeconds(10)).until(() -> warned("topic " + TOPIC, "auto.create.topics.enable=false",
                "kafka-topics.sh --create --topic " + TOPIC));
        assertThat(kafkaAvailable).isFalse();

        producer.partitionsForException = null;
        sending.join();
        assertThat(producer.history()).hasSize(1);
    }
}
