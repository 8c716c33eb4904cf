package dev.outbox.relay.source;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.json.JsonConverterConfig;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium's offset store for the relay: the replication slot is the durable position, so this store only starts
 * Debezium at the slot's confirmed position, as the last commit ({@code lsn} = {@code lsn_commit}, no
 * {@code lsn_proc}).
 *
 * <p>Why not Debezium's own offsets: Debezium 3.6 resumes from {@code lsn_proc} and drops every message up to the
 * first LSN that differs from it; the rows of a COPY share one LSN per heap page, so a restart inside such a group
 * loses the rest of it. Started at a transaction end with no {@code lsn_proc}, Debezium filters nothing and the server
 * re-sends whole transactions in commit order. The relay only ever confirms transaction ends whose rows Kafka has
 * acknowledged ({@link DebeziumStream}), so the slot is always such a position.
 *
 * <p>Public because Debezium instantiates it by name ({@code offset.storage}).
 */
public final class SlotOffsetStore extends MemoryOffsetBackingStore {

    /** Engine property with the position to start from (the slot's confirmed_flush_lsn, as a number). */
    static final String START_POSITION = "outbox.start.position";

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Map<String, Object> settings = config.originals();
        String engine = (String) settings.get("name");
        String server = (String) settings.get("topic.prefix");
        long position = Long.parseLong((String) settings.get(START_POSITION));
        // The same encoding as the engine's offset reader: JSON without schemas, key [engine name, partition].
        try (JsonConverter keys = new JsonConverter(); JsonConverter values = new JsonConverter()) {
            keys.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), true);
            values.configure(Map.of(JsonConverterConfig.SCHEMAS_ENABLE_CONFIG, "false"), false);
            byte[] key = keys.fromConnectData(engine, null, List.of(engine, Map.of("server", server)));
            byte[] value = values.fromConnectData(engine, null, Map.of("lsn", position, "lsn_commit", position));
            data.put(ByteBuffer.wrap(key), ByteBuffer.wrap(value));
        }
    }

    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        return Set.of();
    }
}
