package dev.outbox.relay.route;

import org.apache.kafka.clients.producer.ProducerRecord;

/** What the router decided for one row: a record to send, or a dead letter with the reason. */
public sealed interface Routing {

    OutboxRow row();

    record Deliver(OutboxRow row, ProducerRecord<byte[], byte[]> record) implements Routing {
    }

    /**
     * A dead letter; {@code payloadRefusedOnce} when Kafka already refused it once for its size with the payload
     * (the producer batches records for one topic, so a small dead letter can be refused with a big neighbour).
     */
    record DeadLetter(OutboxRow row, String reason, String exceptionClass, boolean payloadRefusedOnce)
            implements Routing {

        public DeadLetter(OutboxRow row, String reason, String exceptionClass) {
            this(row, reason, exceptionClass, false);
        }
    }
}
