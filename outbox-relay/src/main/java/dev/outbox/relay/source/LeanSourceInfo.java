package dev.outbox.relay.source;

import io.debezium.config.CommonConnectorConfig;
import io.debezium.connector.SourceInfoStructMaker;
import io.debezium.connector.postgresql.SourceInfo;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;

/**
 * The {@code source} block of the relay's Debezium records, cut to what is read downstream: {@code txId}, which
 * Debezium's own transaction metadata follows, and the row's {@code lsn}. The relay takes every position and time from
 * the record's offset instead.
 *
 * <p>Why: the PostgreSQL connector's block costs about a tenth of its per-row work (a dozen fields, each validated,
 * and a JSON array printed for {@code sequence} on every row), and its {@code ts_ms} makes Debezium's streaming
 * metrics hand a lag sample for every row to a thread of their own. With {@code ts_ms} left empty that lag metric
 * (which the relay does not expose; it measures commit→ack itself) stays unset and no sample is made.
 *
 * <p>Public because Debezium instantiates it by name ({@code sourceinfo.struct.maker}).
 */
public final class LeanSourceInfo implements SourceInfoStructMaker<SourceInfo> {

    /**
     * {@code SourceInfo.txId()} is protected. Debezium and the relay share the class path (one unnamed module), so a
     * private lookup may call it. Looked up once: a Debezium without it stops the engine as it starts, naming this
     * class, rather than failing a row.
     */
    private static final MethodHandle TX_ID = txIdAccessor();

    private static final Schema SCHEMA = SchemaBuilder.struct()
            .name("dev.outbox.relay.Source")
            // Read by Debezium's event metadata (lag and transaction tracking), so present even when empty.
            .field(SourceInfo.TIMESTAMP_KEY, Schema.OPTIONAL_INT64_SCHEMA)
            .field(SourceInfo.TXID_KEY, Schema.OPTIONAL_INT64_SCHEMA)
            .field(SourceInfo.LSN_KEY, Schema.OPTIONAL_INT64_SCHEMA)
            .field(SourceInfo.XMIN_KEY, Schema.OPTIONAL_INT64_SCHEMA)
            .build();
    private static final Field TX_ID_FIELD = SCHEMA.field(SourceInfo.TXID_KEY);
    private static final Field LSN_FIELD = SCHEMA.field(SourceInfo.LSN_KEY);

    @Override
    public void init(String connector, String version, CommonConnectorConfig connectorConfig) {
    }

    @Override
    public Schema schema() {
        return SCHEMA;
    }

    @Override
    public Struct struct(SourceInfo sourceInfo) {
        Struct source = new Struct(SCHEMA);
        source.put(TX_ID_FIELD, txId(sourceInfo));
        if (sourceInfo.lsn() != null) {
            source.put(LSN_FIELD, sourceInfo.lsn().asLong());
        }
        return source;
    }

    static Long txId(SourceInfo sourceInfo) {
        try {
            return (Long) TX_ID.invokeExact(sourceInfo);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot read the transaction id of Debezium's source info", e);
        }
    }

    private static MethodHandle txIdAccessor() {
        try {
            return MethodHandles.privateLookupIn(SourceInfo.class, MethodHandles.lookup())
                    .findVirtual(SourceInfo.class, "txId", MethodType.methodType(Long.class));
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("this Debezium version's SourceInfo has no txId(); the relay is built for "
                    + "Debezium 3.6", e);
        }
    }
}
