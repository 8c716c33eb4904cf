package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.config.Configuration;
import io.debezium.connector.postgresql.PostgresConnectorConfig;
import io.debezium.connector.postgresql.SourceInfo;
import io.debezium.connector.postgresql.connection.Lsn;
import io.debezium.connector.postgresql.connection.ReplicationMessage;
import io.debezium.relational.TableId;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Instant;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/**
 * The relay's source block keeps what Debezium itself reads from it: the transaction id (its transaction metadata
 * follows it), the LSN, and empty ts_ms/xmin fields its metrics look up by name.
 */
class LeanSourceInfoTest {

    private final LeanSourceInfo maker = new LeanSourceInfo();

    @Test
    void theSchemaHasTheFieldsDebeziumLooksUp() {
        assertThat(maker.schema().fields()).extracting(Field::name)
                .containsExactly(SourceInfo.TIMESTAMP_KEY, SourceInfo.TXID_KEY, SourceInfo.LSN_KEY, SourceInfo.XMIN_KEY);
    }

    @Test
    void theBlockCarriesTheTransactionIdAndLsnButNoTimestamp() throws Throwable {
        SourceInfo source = sourceInfo();
        update(source, Lsn.valueOf(0x16B3748L), Instant.parse("2026-11-30T10:00:00Z"), 745L);

        Struct block = maker.struct(source);

        block.validate();
        assertThat(block.getInt64(SourceInfo.TXID_KEY)).isEqualTo(745L);
        assertThat(block.getInt64(SourceInfo.LSN_KEY)).isEqualTo(0x16B3748L);
        assertThat(block.getInt64(SourceInfo.TIMESTAMP_KEY)).isNull();
        assertThat(block.getInt64(SourceInfo.XMIN_KEY)).isNull();
    }

    /** SourceInfo's constructor and update are protected: the test reaches them the way LeanSourceInfo reads txId. */
    private static SourceInfo sourceInfo() throws Throwable {
        PostgresConnectorConfig config = new PostgresConnectorConfig(Configuration.create()
                .with("topic.prefix", "relay").with("database.dbname", "orders").build());
        return (SourceInfo) MethodHandles.privateLookupIn(SourceInfo.class, MethodHandles.lookup())
                .findConstructor(SourceInfo.class, MethodType.methodType(void.class, PostgresConnectorConfig.class))
                .invoke(config);
    }

    private static void update(SourceInfo source, Lsn lsn, Instant commitTime, long txId) throws Throwable {
        MethodHandles.privateLookupIn(SourceInfo.class, MethodHandles.lookup())
                .findVirtual(SourceInfo.class, "update", MethodType.methodType(SourceInfo.class, Lsn.class,
                        Instant.class, Long.class, Long.class, TableId.class, ReplicationMessage.Operation.class))
                .invoke(source, lsn, commitTime, txId, null, new TableId(null, "public", "outbox"),
                        ReplicationMessage.Operation.INSERT);
    }
}
