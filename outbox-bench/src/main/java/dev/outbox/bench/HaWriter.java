package dev.outbox.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Commits one outbox row per transaction, about every 10 ms, until stopped, reconnecting after a failure (through a
 * multi-host URL that is whichever host is the primary). Remembers each row whose commit was acknowledged with the
 * time its commit was begun; a commit whose acknowledgement was lost in a crash is not counted.
 */
final class HaWriter implements AutoCloseable {

    private static final String INSERT = "INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload) "
            + "VALUES (?, ?, ?, 'HaEvent', ?::jsonb)";

    private final String url;
    private final String user;
    private final String password;
    private final String aggregateType;
    /** Acknowledged event id → System.nanoTime() when its commit was begun. */
    private final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    private volatile boolean stopping;
    private Thread thread;

    HaWriter(String url, String user, String password, String aggregateType) {
        this.url = url;
        this.user = user;
        this.password = password == null ? "" : password;
        this.aggregateType = aggregateType;
    }

    HaWriter start() {
        thread = Thread.ofPlatform().name("ha-writer").daemon().start(this::run);
        return this;
    }

    private void run() {
        while (!stopping) {
            try (Connection connection = DriverManager.getConnection(url, user, password);
                    PreparedStatement insert = connection.prepareStatement(INSERT)) {
                while (!stopping) {
                    UUID id = UUID.randomUUID();
                    long begun = System.nanoTime();
                    int n = acknowledged.size();
                    insert.setObject(1, id);
                    insert.setString(2, aggregateType);
                    insert.setString(3, "a-" + (n % 16));
                    insert.setString(4, "{\"n\": " + n + "}");
                    insert.executeUpdate();
                    acknowledged.put(id.toString(), begun);
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
            } catch (SQLException e) {
                // The primary went away: try the hosts again shortly (the driver picks the primary).
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        }
    }

    /** The acknowledged rows so far. */
    Set<String> acknowledged() {
        return Set.copyOf(acknowledged.keySet());
    }

    /** The acknowledged rows whose commit was begun after {@code nanoTime}. */
    Set<String> committedAfter(long nanoTime) {
        return acknowledged.entrySet().stream().filter(e -> e.getValue() > nanoTime).map(Map.Entry::getKey)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** When the first commit begun after {@code nanoTime} was begun, or -1 if none was acknowledged. */
    long firstBegunAfter(long nanoTime) {
        return acknowledged.values().stream().mapToLong(Long::longValue).filter(begun -> begun > nanoTime).min()
                .orElse(-1);
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        if (thread != null) {
            thread.join(30_000);
        }
    }
}
