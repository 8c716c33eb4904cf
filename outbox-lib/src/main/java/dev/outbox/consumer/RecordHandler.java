package dev.outbox.consumer;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Processes one record; the poll loop knows nothing of what processing means. Throws when it failed. */
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
     * Whether the record's effect is already committed; asked before giving up on a record whose last attempts
     * were cut short (the process stopped during them), as one of them may have committed before the stop.
     */
    boolean alreadyApplied(ConsumerRecord<byte[], byte[]> record) throws Exception;
}
