package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.spi.converter.RelationalColumn;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.apache.kafka.connect.data.Schema;
import org.junit.jupiter.api.Test;

/** created_at reaches the relay as the RFC 3339 instant it sends as ce_time, the same text as from pgoutput. */
class CreatedAtAsRfc3339Test {

    @Test
    void theParsedTimestampBecomesAnUtcInstantAsInstantPrintsIt() {
        assertThat(CreatedAtAsRfc3339.rfc3339(OffsetDateTime.parse("2026-11-23T23:40:01.123456+02:00")))
                .isEqualTo("2026-11-23T21:40:01.123456Z");
        assertThat(CreatedAtAsRfc3339.rfc3339(OffsetDateTime.parse("2026-11-23T21:40:01.500Z")))
                .isEqualTo("2026-11-23T21:40:01.500Z");
        assertThat(CreatedAtAsRfc3339.rfc3339(OffsetDateTime.parse("2026-11-23T21:40:01Z")))
                .isEqualTo("2026-11-23T21:40:01Z");
    }

    @Test
    void nullStaysNullAndPostgresInfinityPassesAsText() {
        assertThat(CreatedAtAsRfc3339.rfc3339(null)).isNull();
        assertThat(CreatedAtAsRfc3339.rfc3339("infinity")).isEqualTo("infinity");
    }

    @Test
    void onlyTheTimestamptzCreatedAtColumnIsConverted() {
        assertThat(registrations(column("created_at", "timestamptz"))).containsExactly(Schema.Type.STRING);
        assertThat(registrations(column("created_at", "text"))).isEmpty();
        assertThat(registrations(column("deadline_at", "timestamptz"))).isEmpty();
    }

    private static List<Schema.Type> registrations(RelationalColumn column) {
        List<Schema.Type> registered = new ArrayList<>();
        new CreatedAtAsRfc3339().converterFor(column,
                (schema, converter) -> registered.add(schema.type()));
        return registered;
    }

    private static RelationalColumn column(String name, String typeName) {
        return new RelationalColumn() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String typeName() {
                return typeName;
            }

            @Override
            public String dataCollection() {
                return "public.outbox";
            }

            @Override
            public int jdbcType() {
                return java.sql.Types.TIMESTAMP_WITH_TIMEZONE;
            }

            @Override
            public int nativeType() {
                return 0;
            }

            @Override
            public String typeExpression() {
                return typeName;
            }

            @Override
            public OptionalInt length() {
                return OptionalInt.empty();
            }

            @Override
            public OptionalInt scale() {
                return OptionalInt.empty();
            }

            @Override
            public boolean isOptional() {
                return false;
            }

            @Override
            public Object defaultValue() {
                return null;
            }

            @Override
            public boolean hasDefaultValue() {
                return false;
            }
        };
    }
}
