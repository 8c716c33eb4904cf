package dev.outbox.sample.support;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Produces another service's events the way the relay would (headers id, ce_type, saga_id), for handler tests. */
public final class EventSender implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final KafkaProducer<String, String> producer;
    private final String topic;

    public EventSender(String bootstrapServers, String topic) {
        this.topic = topic;
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        this.producer = new KafkaProducer<>(props);
    }

    /** Sends {@code payload} as event {@code eventId} of type {@code type} for {@code orderId}; waits for the ack. */
    public void send(UUID eventId, String type, UUID orderId, Object payload) {
        try {
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, orderId.toString(),
                    JSON.writeValueAsString(payload));
            record.headers().add("id", eventId.toString().getBytes(StandardCharsets.UTF_8));
            record.headers().add("ce_type", type.getBytes(StandardCharsets.UTF_8));
            record.headers().add("saga_id", orderId.toString().getBytes(StandardCharsets.UTF_8));
            producer.send(record).get();
        } catch (JsonProcessingException | ExecutionException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public UUID send(String type, UUID orderId, Object payload) {
        UUID eventId = UUID.randomUUID();
        send(eventId, type, orderId, payload);
        return eventId;
    }

    @Override
    public void close() {
        producer.close();
    }
}
