package dev.outbox.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Ceiling: the outbox insert rate of this durable PostgreSQL. One row per transaction from several connections
 * (a service's request threads), or multi-row transactions from one connection (batched JDBC inserts rewritten
 * into multi-row INSERTs).
 */
final class InsertCeiling {
    private InsertCeiling() {
    }

    static final String INSERT = "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) "
            + "VALUES (?, ?, ?, 'BenchEvent', " + Payloads.SQL_EXPRESSION + ")";

    static void run(ContenderMain.ChildSettings settings, boolean multiRow) throws Exception {
        long count = settings.getLong("count");
        int pad = settings.getInt("pad");
        String aggregateType = settings.get("aggregateType");
        int connections = multiRow ? 1 : settings.getInt("connections");
        int rowsPerTx = multiRow ? settings.getInt("rowsPerTx") : 1;
        Properties db = new Properties();
        db.put("user", settings.get("dbUser"));
        db.put("password", settings.get("dbPassword"));
        db.put("ApplicationName", "bench-insert");
        db.put("reWriteBatchedInserts", "true");
        ExecutorService pool = Executors.newFixedThreadPool(connections);
        long start = Clock.nowMicros();
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            long share = count / connections + (c < count % connections ? 1 : 0);
            done.add(pool.submit(() -> {
                // Left open on purpose: the driver samples this backend's CPU after the RESULT line.
                Connection connection = DriverManager.getConnection(settings.get("dbUrl"), db);
                try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                    connection.setAutoCommit(rowsPerTx == 1);
                    for (long i = 0; i < share; i++) {
                        insert.setObject(1, UUID.randomUUID());
                        insert.setString(2, aggregateType);
                        insert.setString(3, "k" + (i % 1000));
                        insert.setLong(4, Clock.nowMicros());
                        insert.setInt(5, pad);
                        if (rowsPerTx == 1) {
                            insert.executeUpdate();
                        } else {
                            insert.addBatch();
                            if ((i + 1) % rowsPerTx == 0 || i + 1 == share) {
                                insert.executeBatch();
                                connection.commit();
                            }
                        }
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        ContenderMain.printResultAndHold(count, start, Clock.nowMicros());
    }
}
