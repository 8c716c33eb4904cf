package dev.outbox.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class KafkaBrokerProcessIT {

    @Test
    void acknowledgedRecordsSurviveKillNineAndRestart() throws Exception {
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start()) {
            broker.createTopic("survivors", 2);
            Set<String> sent = IntStream.range(0, 500).mapToObj(i -> "event-" + i).collect(Collectors.toSet());
            try (var producer = new KafkaProducer<String, String>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                    ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new StringSerializer())) {
                for (String value : sent) {
                    producer.send(new ProducerRecord<>("survivors", value, value));
                }
                producer.flush();
            }
            long firstPid = broker.pid();

            broker.kill();
            assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            broker.restart();

            var received = KafkaRoundTripIT.consumeAll(broker, "survivors", sent.size());
            assertThat(received)
                    .extracting(record -> new String(record.value(), StandardCharsets.UTF_8))
                    .containsExactlyInAnyOrderElementsOf(sent);
        }
    }
}
