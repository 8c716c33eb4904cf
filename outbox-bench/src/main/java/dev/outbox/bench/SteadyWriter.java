package dev.outbox.bench;

import dev.outbox.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One-row transactions on an open-loop schedule (event i due at start + i / rate) over four connections, the
 * payload carrying the intended time and the database's commit-side clock, as the benchmark's steady writer.
 */
final class SteadyWriter {

    private static final int CONNECTIONS = 4;
    private static final int PAD = Payloads.padFor(256);

    private final TestDatabase database;
    private final String aggregateType;
    private final OpenLoopSchedule schedule;

    SteadyWriter(TestDatabase database, String aggregateType, int rate, int seconds) {
        this.database = database;
        this.aggregateType = aggregateType;
        this.schedule = new OpenLoopSchedule(Clock.nowMicros() + 100_000, rate, (long) rate * seconds);
    }

    /** The intended time of the first event: events from then on are this writer's. */
    long firstIntendedMicros() {
        return schedule.intendedMicros(0);
    }

    long total() {
        return schedule.total();
    }

    /** Writes every event, returning when the last is committed. */
    void run() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        try {
            for (Future<?> writer : start(pool)) {
                writer.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Starts the writers on {@code pool}; each future ends when its share is committed. */
    List<Future<?>> start(ExecutorService pool) {
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < CONNECTIONS; w++) {
            writers.add(pool.submit(() -> {
                write();
                return null;
            }));
        }
        return writers;
    }

    private void write() throws Exception {
        try (Connection c = database.dataSource().getConnection();
                PreparedStatement insert = c.prepareStatement(InsertCeiling.INSERT)) {
            c.setAutoCommit(true);
            long index;
            while ((index = schedule.claim()) >= 0) {
                long intended = schedule.intendedMicros(index);
                Clock.sleepUntilMicros(intended);
                insert.setObject(1, UUID.randomUUID());
                insert.setString(2, aggregateType);
                insert.setString(3, "k" + (index % 1000));
                insert.setLong(4, intended);
                insert.setInt(5, PAD);
                insert.executeUpdate();
            }
        }
    }
}
