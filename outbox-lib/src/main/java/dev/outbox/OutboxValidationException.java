package dev.outbox;

/**
 * Thrown by {@link Outbox} before anything is written when an event is unfit to publish. {@link #field()} names
 * the offending part: {@code event}, {@code aggregateType}, {@code aggregateId}, {@code eventType},
 * {@code payload} or {@code headers}.
 */
public final class OutboxValidationException extends IllegalArgumentException {

    private final String field;

    public OutboxValidationException(String field, String message) {
        this(field, message, null);
    }

    public OutboxValidationException(String field, String message, Throwable cause) {
        super(field + ": " + message, cause);
        this.field = field;
    }

    /** The name of the invalid field. */
    public String field() {
        return field;
    }
}
