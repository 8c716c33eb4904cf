package dev.outbox.consumer;

import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Processes records; the poll loop knows nothing of what processing means. Throws when it failed. */
interface RecordHandler {

    /** What became of a record that did not fail. */
    enum Outcome {
        /** Its effect was applied and committed now. */
        APPLIED,
        /** Its effect had been applied before: skipped. */
        DUPLICATE,
        /** Not of interest to this consumer: skipped. */
        IGNORED
    }

    Outcome handle(ConsumerRecord<byte[], byte[]> record) throws Exception;

    /**
     * Processes records of one partition, in order, as one unit: all their effects commit together, or, when this
     * throws, none does. Returns one outcome per record, in order.
     */
    List<Outcome> handleAll(List<ConsumerRecord<byte[], byte[]>> records) throws Exception;

    /**
     * Whether the record's effect is already committed; asked before giving up on a record whose last attempts
     * were cut short (the process stopped during them), as one of them may have committed before the stop.
     */
    boolean alreadyApplied(ConsumerRecord<byte[], byte[]> record) throws Exception;
}
