package dev.outbox.relay.source;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.time.OffsetDateTime;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Debezium converter for the outbox's {@code created_at}: the RFC 3339 instant the relay sends as {@code ce_time}
 * (as {@code Instant.toString()} prints it, the same text the pgoutput source produces), instead of Debezium's
 * zoned-timestamp text, which builds three date-time formatters for every value and which the relay would parse
 * again.
 *
 * <p>Public because Debezium instantiates it by name ({@code converters}).
 */
public final class CreatedAtAsRfc3339 implements CustomConverter<SchemaBuilder, RelationalColumn> {

    static final String COLUMN = "created_at";

    @Override
    public void configure(Properties properties) {
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        if (COLUMN.equals(column.name()) && "timestamptz".equals(column.typeName())) {
            registration.register(SchemaBuilder.string().optional(), CreatedAtAsRfc3339::rfc3339);
        }
    }

    /** Debezium hands over the parsed value; anything else (PostgreSQL's {@code infinity}) passes as text. */
    static Object rfc3339(Object value) {
        if (value instanceof OffsetDateTime time) {
            return time.toInstant().toString();
        }
        return value == null ? null : value.toString();
    }
}
