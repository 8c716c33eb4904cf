package dev.outbox.sandbox;

import dev.outbox.sample.inventory.InventoryInvariants;
import dev.outbox.sample.order.OrderInvariants;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * What the sandbox reads back after a run: sagas per state, their latency, durable commits per saga, events per
 * topic, invariants. Sagas, latency and commits are those of the orders placed in one {@link Window} (the measured
 * run, or the warm-up before it); events and invariants are the whole system's.
 */
record SagaReport(Map<String, Long> sagasByState, long timedOutOrders, long timedOutUnforced, double p50Millis,
        double p99Millis, double maxMillis, double sagasPerSecond, double spanSeconds, double commitsPerSaga, Map<String, Long> eventsByTopic,
        Map<String, Long> deadLettersByTopic, List<String> violations) {

    static final List<String> TERMINAL = List.of("CONFIRMED", "REJECTED", "CANCELLED");

    /** The orders placed from {@code from} (inclusive) to {@code to} (exclusive), by the database's clock; null = open. */
    record Window(OffsetDateTime from, OffsetDateTime to) {
        static final Window ALL = new Window(null, null);

        /** With a leading space, to follow a text block (whose trailing spaces are stripped). */
        static final String SQL = " created_at >= coalesce(?::timestamptz, '-infinity') "
                + "AND created_at < coalesce(?::timestamptz, 'infinity')";

        static Window from(OffsetDateTime from) {
            return new Window(from, null);
        }
    }

    static long terminalCount(DSLContext orders, Window window) {
        return orders.fetchOne("SELECT count(*) FROM orders WHERE status IN ('CONFIRMED', 'REJECTED', 'CANCELLED') AND "
                + Window.SQL, window.from(), window.to()).get(0, Long.class);
    }

    /** The database's clock now: where the measured window starts after a warm-up. */
    static OffsetDateTime now(DSLContext orders) {
        return orders.fetchOne("SELECT now()").get(0, OffsetDateTime.class);
    }

    /**
     * Transactions committed so far in both services' databases ({@code pg_stat_database.xact_commit}): the durable
     * commits the saga path costs, plus the sandbox's own reads. The statistics lag by up to a second.
     */
    static long databaseCommits(DSLContext orders, DSLContext inventory) {
        return sumOverBoth(orders, inventory,
                "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
    }

    /**
     * Saga steps still waiting (PENDING or COMPENSATING) in both databases, counted without fetching a row: while any
     * is left the invariants cannot hold yet, and {@link #violations} would read every order, line and reservation
     * into memory to say so.
     */
    static long stepsInFlight(DSLContext orders, DSLContext inventory) {
        return sumOverBoth(orders, inventory,
                "SELECT count(*) FROM saga_log WHERE status IN ('PENDING', 'COMPENSATING')");
    }

    /** The one number {@code sql} answers in each database, added up. */
    private static long sumOverBoth(DSLContext orders, DSLContext inventory, String sql) {
        return orders.fetchOne(sql).get(0, Long.class) + inventory.fetchOne(sql).get(0, Long.class);
    }

    static List<String> violations(DSLContext orders, DSLContext inventory) {
        List<String> violations = new ArrayList<>(OrderInvariants.check(orders));
        violations.addAll(InventoryInvariants.check(inventory));
        violations.addAll(OrderInvariants.checkAcrossServices(orders, inventory));
        return violations;
    }

    /**
     * @param commits the {@link #databaseCommits} the window's sagas made (counted around it by the caller)
     * @param forced  the orders a disruption timed out on purpose: {@link #timedOutUnforced} leaves them out
     */
    static SagaReport read(DSLContext orders, DSLContext inventory, String bootstrapServers, Window window,
            long commits, List<Window> forced) {
        Map<String, Long> byState = new LinkedHashMap<>();
        for (String state : List.of("CONFIRMED", "REJECTED", "CANCELLED", "PENDING")) {
            byState.put(state, 0L);
        }
        for (Record r : orders.fetch("SELECT status, count(*) FROM orders WHERE " + Window.SQL + " GROUP BY status",
                window.from(), window.to())) {
            byState.put(r.get(0, String.class), r.get(1, Long.class));
        }
        // Saga latency: from the order's insert to the commit that made it terminal, both database times.
        Record latency = orders.fetchOne("""
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)),
                       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - created_at)),
                       count(*), extract(epoch FROM max(updated_at) - min(created_at)),
                       max(extract(epoch FROM updated_at - created_at))
                  FROM orders WHERE status IN ('CONFIRMED', 'REJECTED', 'CANCELLED') AND """ + Window.SQL,
                window.from(), window.to());
        double p50 = seconds(latency.get(0)) * 1000;
        double p99 = seconds(latency.get(1)) * 1000;
        double max = seconds(latency.get(4)) * 1000;
        double span = seconds(latency.get(3));
        long terminal = latency.get(2, Long.class);
        double rate = span > 0 ? terminal / span : 0;
        // A timed-out step moves on (to COMPENSATED) once the release is acknowledged; the order keeps the reason.
        String timedOutSql = "SELECT count(*) FROM orders WHERE status = 'CANCELLED' AND reason LIKE 'timed out%' AND "
                + Window.SQL;
        long timedOut = orders.fetchOne(timedOutSql, window.from(), window.to()).get(0, Long.class);
        List<Object> bounds = new ArrayList<>(Arrays.asList(window.from(), window.to()));
        StringBuilder unforcedSql = new StringBuilder(timedOutSql);
        for (Window excluded : forced) {
            unforcedSql.append(" AND NOT (").append(Window.SQL).append(')');
            bounds.add(excluded.from());
            bounds.add(excluded.to());
        }
        long unforced = orders.fetchOne(unforcedSql.toString(), bounds.toArray()).get(0, Long.class);
        Map<String, Long> events = new TreeMap<>();
        Map<String, Long> deadLetters = new TreeMap<>();
        topicSizes(bootstrapServers).forEach((topic, size) -> {
            if (topic.equals(SandboxSystem.DLQ_TOPIC) || topic.endsWith("-dlt")) {
                deadLetters.put(topic, size);
            } else if (topic.startsWith("outbox.event.")) {
                events.put(topic, size);
            }
        });
        return new SagaReport(byState, timedOut, unforced, p50, p99, max, rate, span, terminal > 0 ? (double) commits / terminal : 0,
                events, deadLetters, violations(orders, inventory));
    }

    private static double seconds(Object value) {
        return value == null ? 0 : ((Number) value).doubleValue();
    }

    /** Records per topic (end offsets summed over partitions); internal topics left out. */
    static Map<String, Long> topicSizes(String bootstrapServers) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Duration.ofSeconds(30).toMillis()))) {
            var topics = admin.listTopics().names().get();
            var descriptions = admin.describeTopics(topics).allTopicNames().get();
            Map<TopicPartition, OffsetSpec> request = new LinkedHashMap<>();
            descriptions.forEach((name, description) -> description.partitions().forEach(
                    p -> request.put(new TopicPartition(name, p.partition()), OffsetSpec.latest())));
            var offsets = admin.listOffsets(request).all().get();
            return offsets.entrySet().stream().collect(Collectors.groupingBy(e -> e.getKey().topic(), TreeMap::new,
                    Collectors.summingLong(e -> e.getValue().offset())));
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not read topic sizes: " + e.getCause(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    String render() {
        StringBuilder out = new StringBuilder();
        TextTable states = new TextTable("saga state", "sagas");
        sagasByState.forEach(states::row);
        states.row("(of which timed out)", timedOutOrders);
        if (timedOutUnforced != timedOutOrders) {
            states.row("(timed out, not by the freeze)", timedOutUnforced);
        }
        out.append(states.render()).append('\n');
        out.append(new TextTable("saga latency", "ms")
                .row("p50", "%.1f".formatted(p50Millis))
                .row("p99", "%.1f".formatted(p99Millis))
                .row("max", "%.1f".formatted(maxMillis))
                .row("sagas/s", "%.1f".formatted(sagasPerSecond))
                .row("db commits/saga", "%.1f".formatted(commitsPerSaga))
                .render()).append('\n');
        TextTable topics = new TextTable("topic", "records");
        eventsByTopic.forEach(topics::row);
        out.append(topics.render()).append('\n');
        TextTable dead = new TextTable("dead-letter topic", "records");
        deadLettersByTopic.forEach(dead::row);
        if (deadLettersByTopic.isEmpty()) {
            dead.row("(none)", 0);
        }
        out.append(dead.render()).append('\n');
        if (violations.isEmpty()) {
            out.append("  invariants: PASS (stock conserved, reservations match, one charge per CONFIRMED order,\n"
                    + "  no stock or charge held by REJECTED/CANCELLED orders, every saga terminal)\n");
        } else {
            out.append("  invariants: FAIL, ").append(violations.size()).append(" violation(s):\n");
            violations.stream().limit(20).forEach(v -> out.append("    - ").append(v).append('\n'));
        }
        return out.toString();
    }
}
