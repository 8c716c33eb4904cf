package dev.outbox.bench;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.Header;
import io.debezium.engine.format.JsonByteArray;
import io.debezium.engine.format.KeyValueHeaderChangeEventFormat;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The stock Debezium outbox pipeline: Debezium Embedded with the PostgreSQL connector (pgoutput), the Outbox
 * Event Router SMT with its defaults, Kafka Connect's JsonConverter (schemas enabled, its default) for key,
 * value and headers, and a plain producer. Each batch is sent, flushed (every ack awaited) and only then marked
 * processed, the at-least-once contract of the engine.
 *
 * <p>Settings beyond the documented defaults, needed by both variants: the pre-created slot and publication
 * (autocreate of all tables needs superuser and captures everything), {@code snapshot.mode=no_data} (the backlog
 * must come from the WAL like every other CDC contender, not from a snapshot SELECT) and the payload passed as
 * text ({@code table.expand.json.payload=false}, its default; true stopped the engine here, see docs/design.md).
 */
final class DebeziumPipeline {

    private final ContenderMain.ChildSettings settings;
    private final boolean tuned;

    DebeziumPipeline(ContenderMain.ChildSettings settings, boolean tuned) {
        this.settings = settings;
        this.tuned = tuned;
    }

    Properties engineProperties() throws Exception {
        Properties p = new Properties();
        p.put("name", "bench-debezium");
        p.put("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.put("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        p.put("offset.storage.file.filename",
                Files.createTempFile("bench-debezium-offsets-", ".dat").toString());
        p.put("database.hostname", settings.get("dbHost"));
        p.put("database.port", settings.get("dbPort"));
        p.put("database.user", settings.get("dbUser"));
        p.put("database.password", settings.get("dbPassword"));
        p.put("database.dbname", settings.get("dbName"));
        p.put("topic.prefix", "bench");
        p.put("plugin.name", "pgoutput");
        p.put("slot.name", settings.get("slot"));
        p.put("publication.name", "outbox_pub");
        p.put("publication.autocreate.mode", "disabled");
        p.put("table.include.list", "public.outbox");
        p.put("snapshot.mode", "no_data");
        p.put("transforms", "outbox");
        p.put("transforms.outbox.type", "io.debezium.transforms.outbox.EventRouter");
        if (tuned) {
            p.put("poll.interval.ms", "5");
            p.put("max.batch.size", "8192");
            p.put("max.queue.size", "32768");
            p.put("offset.flush.interval.ms", "1000");
        }
        return p;
    }

    void run() throws Exception {
        Properties producerProperties = PollingRelay.producerProperties(settings.get("bootstrap"), tuned);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProperties)) {
            DebeziumEngine<ChangeEvent<byte[], byte[]>> engine = DebeziumEngine
                    .create(KeyValueHeaderChangeEventFormat.of(JsonByteArray.class, JsonByteArray.class,
                            JsonByteArray.class))
                    .using(engineProperties())
                    .notifying((records, committer) -> {
                        List<Future<RecordMetadata>> acks = new ArrayList<>(records.size());
                        for (ChangeEvent<byte[], byte[]> event : records) {
                            if (event.value() == null) {
                                continue;
                            }
                            ProducerRecord<byte[], byte[]> record =
                                    new ProducerRecord<>(event.destination(), event.key(), event.value());
                            for (Header<byte[]> header : event.<byte[]>headers()) {
                                record.headers().add(header.getKey(), header.getValue());
                            }
                            acks.add(producer.send(record));
                        }
                        producer.flush();
                        try {
                            for (Future<RecordMetadata> ack : acks) {
                                ack.get();
                            }
                        } catch (Exception e) {
                            throw new InterruptedException("send failed: " + e);
                        }
                        for (ChangeEvent<byte[], byte[]> event : records) {
                            committer.markProcessed(event);
                        }
                        committer.markBatchFinished();
                    })
                    .using((success, message, error) -> {
                        if (!success) {
                            System.err.println("Debezium engine stopped: " + message);
                            if (error != null) {
                                error.printStackTrace();
                            }
                            System.exit(2);
                        }
                    })
                    .build();
            ExecutorService executor = Executors.newSingleThreadExecutor();
            executor.execute(engine);
            // Runs until the driver kills this JVM, like a sidecar would.
            executor.awaitTermination(Long.MAX_VALUE, java.util.concurrent.TimeUnit.DAYS);
        }
    }
}
