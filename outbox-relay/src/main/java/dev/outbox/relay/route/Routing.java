package dev.outbox.relay.route;

import org.apache.kafka.clients.producer.ProducerRecord;

/** What the router decided for one row: a record to send, or a dead letter with the reason. */
public sealed interface Routing {

    OutboxRow row();

    record Deliver(OutboxRow row, ProducerRecord<byte[], byte[]> record) implements Routing {
    }

    record DeadLetter(OutboxRow row, String reason, String exceptionClass) implements Routing {
    }
}
