package dev.outbox.bench;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

/**
 * Ceiling: how fast PostgreSQL decodes the same WAL with pgoutput and pgjdbc receives it, with no processing
 * beyond counting Insert messages and confirming the position.
 */
final class DecodeCeiling {
    private DecodeCeiling() {
    }

    static void run(ContenderMain.ChildSettings settings) throws Exception {
        long expected = settings.getLong("count");
        Properties props = new Properties();
        PGProperty.USER.set(props, settings.get("dbUser"));
        PGProperty.PASSWORD.set(props, settings.get("dbPassword"));
        PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
        PGProperty.REPLICATION.set(props, "database");
        PGProperty.PREFER_QUERY_MODE.set(props, "simple");
        PGProperty.APPLICATION_NAME.set(props, "bench-decode");
        try (Connection connection = DriverManager.getConnection(settings.get("dbUrl"), props)) {
            PGReplicationStream stream = connection.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream().logical()
                    .withSlotName(settings.get("slot"))
                    .withSlotOption("proto_version", 1)
                    .withSlotOption("publication_names", "outbox_pub")
                    .withStatusInterval(1, TimeUnit.SECONDS)
                    .start();
            long count = 0;
            long start = -1;
            while (count < expected) {
                ByteBuffer message = stream.read();
                if (message.array()[message.arrayOffset()] == 'I') {
                    if (count++ == 0) {
                        start = Clock.nowMicros();
                    }
                }
            }
            long end = Clock.nowMicros();
            stream.setAppliedLSN(stream.getLastReceiveLSN());
            stream.setFlushedLSN(stream.getLastReceiveLSN());
            stream.forceUpdateStatus();
            ContenderMain.printResultAndHold(count, start, end);
            stream.close();
        }
    }
}
