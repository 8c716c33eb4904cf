package dev.outbox.bench;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.KafkaBrokerProcess;
import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A fresh database per phase of {@link RelayFootprint}: the library's schema and publication, a 3-partition topic
 * {@code outbox.event.<name>} and a pgoutput slot {@code bench_<name>} created before the first row, as the relay's
 * own start would leave them (every contender then reads the rows from the WAL).
 */
final class FootprintDatabases {

    private static final int PAD = Payloads.padFor(256);

    private final EmbeddedPostgresServer postgres;
    private final KafkaBrokerProcess kafka;

    FootprintDatabases(EmbeddedPostgresServer postgres, KafkaBrokerProcess kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
    }

    TestDatabase create(String name) throws Exception {
        TestDatabase database = postgres.createDatabase(name);
        OutboxSchema.migrateLibrary(database.dataSource());
        kafka.createTopic("outbox.event." + name, 3, Map.of());
        // A failover slot, as the relay creates its own on PostgreSQL 17+ (a relay restarting finds one like it).
        database.execute("SELECT pg_create_logical_replication_slot('bench_" + name + "', 'pgoutput', false, false, "
                + "true)");
        return database;
    }

    BenchConsumer consumer(String name) {
        return new BenchConsumer(kafka.bootstrapServers(), "outbox.event." + name);
    }

    /**
     * {@code rows} outbox rows of aggregate type {@code name} in transactions of {@code perTransaction}, from four
     * connections at once (durable commits are group-flushed, so the backlog is written in seconds, not minutes).
     */
    void insert(TestDatabase database, String name, long rows, int perTransaction) throws Exception {
        int writers = rows >= 1_000 ? 4 : 1;
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                long share = rows / writers + (w < rows % writers ? 1 : 0);
                parts.add(pool.submit(() -> {
                    insertPart(database, name, share, perTransaction);
                    return null;
                }));
            }
            for (Future<?> part : parts) {
                part.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * What the relay's own warm benchmark does before it measures: the backlogs' WAL checkpointed and the outbox
     * vacuumed, so that neither lands in a latency window that follows them.
     */
    void settleAfterBacklogs(TestDatabase database) {
        database.execute("VACUUM ANALYZE outbox", "CHECKPOINT");
    }

    private static void insertPart(TestDatabase database, String name, long rows, int perTransaction)
            throws Exception {
        try (Connection c = database.dataSource().getConnection();
                PreparedStatement insert = c.prepareStatement(InsertCeiling.INSERT)) {
            c.setAutoCommit(false);
            for (long i = 0; i < rows; i++) {
                insert.setObject(1, UUID.randomUUID());
                insert.setString(2, name);
                insert.setString(3, "k" + (i % 1000));
                insert.setLong(4, 1);
                insert.setInt(5, PAD);
                insert.addBatch();
                if ((i + 1) % perTransaction == 0 || i + 1 == rows) {
                    insert.executeBatch();
                    c.commit();
                }
            }
        }
    }
}
