package dev.outbox.bench;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Ceiling: the same records (key, value size, id and type headers) sent by a tuned producer, no database. */
final class RawProducer {
    private RawProducer() {
    }

    static void run(ContenderMain.ChildSettings settings) throws InterruptedException {
        long count = settings.getLong("count");
        int pad = settings.getInt("pad");
        String topic = "outbox.event." + settings.get("aggregateType");
        byte[] type = "BenchEvent".getBytes(StandardCharsets.UTF_8);
        long start = Clock.nowMicros();
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(PollingRelay.producerProperties(settings.get("bootstrap"), true))) {
            for (long i = 0; i < count; i++) {
                long now = Clock.nowMicros();
                ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic,
                        ("k" + (i % 1000)).getBytes(StandardCharsets.UTF_8),
                        Payloads.json(now, now, pad).getBytes(StandardCharsets.UTF_8));
                record.headers().add("id", UUID.randomUUID().toString().getBytes(StandardCharsets.UTF_8));
                record.headers().add("type", type);
                producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        error.printStackTrace();
                        System.exit(3);
                    }
                });
            }
            producer.flush();
            ContenderMain.printResultAndHold(count, start, Clock.nowMicros());
        }
    }
}
