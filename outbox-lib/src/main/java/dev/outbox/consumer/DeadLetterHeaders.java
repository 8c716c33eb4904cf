package dev.outbox.consumer;

/**
 * Headers the runner adds to a record it copies to {@code <topic>-dlt} (key, value and original headers are kept).
 */
public final class DeadLetterHeaders {

    public static final String ORIGINAL_TOPIC = "dlt.original.topic";
    public static final String ORIGINAL_PARTITION = "dlt.original.partition";
    public static final String ORIGINAL_OFFSET = "dlt.original.offset";
    public static final String EXCEPTION_CLASS = "dlt.exception.class";
    public static final String EXCEPTION_MESSAGE = "dlt.exception.message";
    /** How many times the handler was tried (1 for a non-retriable error). */
    public static final String ATTEMPTS = "dlt.attempts";
    public static final String CONSUMER_GROUP = "dlt.consumer.group";

    private DeadLetterHeaders() {
    }
}
