package dev.outbox;

/**
 * An event a service publishes through the {@link Outbox}: usually a Java record, serialized to JSON with the
 * configured Jackson {@code ObjectMapper} (only the record's components become the payload).
 *
 * <pre>{@code
 * record OrderPlaced(UUID orderId, List<Line> lines) implements OutboxEvent {
 *     public String aggregateType() { return "order"; }
 *     public String aggregateId()   { return orderId.toString(); }
 *     public String eventType()     { return "OrderPlaced"; }
 * }
 * }</pre>
 *
 * <p>A per-aggregate marker interface with the first and last method as defaults keeps each record short.
 */
public interface OutboxEvent {

    /** Routes the topic ({@code outbox.event.<aggregateType>} by the relay's default); must not be blank. */
    String aggregateType();

    /** The Kafka key: events of one aggregate keep their commit order; must not be blank. */
    String aggregateId();

    /**
     * The logical type name written to the {@code type} column and read back by consumers from the {@code ce_type}
     * header. It is part of the wire contract: never derive it from a Java class name, which changes on a refactor.
     */
    String eventType();
}
