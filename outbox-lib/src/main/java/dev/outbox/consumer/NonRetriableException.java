package dev.outbox.consumer;

/**
 * Thrown (by a handler, or by the runner for an unknown type, bad JSON or a missing event id) when a record can
 * never be processed: it goes to the dead-letter topic at once instead of being retried.
 */
public class NonRetriableException extends RuntimeException {

    public NonRetriableException(String message) {
        super(message);
    }

    public NonRetriableException(String message, Throwable cause) {
        super(message, cause);
    }
}
