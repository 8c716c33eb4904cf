package dev.outbox.relay.replay;

import dev.outbox.relay.RelayConfig;
import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import dev.outbox.relay.route.Routing;
import dev.outbox.relay.sink.KafkaClients;
import dev.outbox.relay.sink.KafkaSink;
import java.io.PrintStream;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar outbox-relay.jar replay …}: re-publishes outbox rows still in the table, selected by
 * {@link ReplayOptions}, with their original event ids, in commit order, through the relay's {@link Router} and
 * {@link KafkaSink} (same producer settings and security, same dead-letter topic), each record marked
 * {@code replayed}. A dry run prints the range and the count per topic and publishes nothing.
 *
 * <p>The replay uses its own idempotent producer (client id {@code outbox-relay-<name>-replay}), never the
 * exactly-once relay's transactional id, so it cannot fence a running relay; its records are not part of a Kafka
 * transaction, and {@code read_committed} consumers see them at once.
 */
public final class Replay {

    private static final Logger log = LoggerFactory.getLogger(Replay.class);

    private final RelayConfig config;
    private final ReplayOptions options;
    private final PrintStream out;
    private final Router router;

    public Replay(RelayConfig config, ReplayOptions options, PrintStream out) {
        this.config = config;
        this.options = options;
        this.out = out;
        this.router = new Router(config.topicTemplate(), config.ceSource(),
                KafkaSink.maxRequestSize(config.producerSettings()), Set.of(config.dlqTopic(), config.positionTopic()));
    }

    /** Runs the replay (or the dry run); a failure throws with a message saying what to do. */
    public void run() throws InterruptedException {
        execute();
    }

    /** Runs the replay (or the dry run) and returns what Kafka acknowledged (or what would be sent). */
    ReplayCounts execute() throws InterruptedException {
        try (OutboxTable table = OutboxTable.open(config.dbUrl(), config.dbUser(), config.dbPassword(),
                config.relayName(), config.table())) {
            Instant snapshot = table.snapshotTime();
            Instant from = options.afterKafka() ? afterKafka(table) : options.from();
            warnIfDeleted(table.oldestCreatedAt(), from);
            ReplayQuery query = new ReplayQuery(config.table(), table.commitTimestamps(), options, from);
            OutboxTable.Range range = table.range(query);
            out.println("replay of " + config.table() + ": " + query.describe());
            out.println(range.rows() + " rows" + (range.rows() == 0 ? "" : ", created_at " + range.oldestCreatedAt()
                    + " .. " + range.newestCreatedAt() + ", id " + range.lowestId() + " .. " + range.highestId()));
            ReplayCounts counts = new ReplayCounts(config.dlqTopic());
            if (options.dryRun()) {
                table.forEachRow(query, row -> counts.routed(router.route(row)));
                out.println("would publish, per topic:");
                counts.print(out);
                out.println("dry run: nothing published");
            } else {
                publish(table, query, counts);
                out.println("published " + counts.total() + " rows, per topic:");
                counts.print(out);
            }
            printNextStep(from, snapshot);
            return counts;
        } catch (SQLException e) {
            throw new IllegalStateException("reading " + config.table() + " at " + config.dbUrl() + " failed: "
                    + withoutFinalPeriod(e.getMessage()) + ". Check OUTBOX_DB_URL, OUTBOX_DB_USER, OUTBOX_DB_PASSWORD "
                    + "and that the role may SELECT the table", e);
        }
    }

    /**
     * The command for what this run did not cover: after a dry run of {@code --after-kafka}, its range as a
     * {@code --from}; after a replay, the rows that commit after its snapshot (the runbook's catch-up step).
     */
    private void printNextStep(Instant from, Instant snapshot) {
        if (options.dryRun() && options.afterKafka() && from != null) {
            out.println("to replay this range (also after the relay has started again): replay --from " + from
                    + " --reason '…'");
        }
        if (!options.dryRun()) {
            out.println("rows that commit after this replay's snapshot (" + snapshot + ") are not in it: if the "
                    + "relay was stopped meanwhile, catch up once it streams from its new slot with: replay --from "
                    + snapshot.minus(ReplayOptions.DEFAULT_OVERLAP) + " --reason '…'");
        }
    }

    private static String withoutFinalPeriod(String message) {
        return message != null && message.endsWith(".") ? message.substring(0, message.length() - 1) : message;
    }

    /** Rows before the table's oldest were deleted (retention) and cannot be replayed: say so, loudly. */
    private void warnIfDeleted(Instant oldestInTable, Instant from) {
        if (oldestInTable != null && from != null && oldestInTable.isAfter(from)) {
            String warning = "WARNING: the oldest row still in " + config.table() + " was created at " + oldestInTable
                    + ", after the start of the range (" + from + "): rows created before it, if there were any, were "
                    + "deleted (outbox-lib's OutboxRetention, or OutboxConfig.deleteAfterInsert) and cannot be "
                    + "replayed from the table";
            out.println(warning);
            log.warn(warning);
        }
    }

    private void publish(OutboxTable table, ReplayQuery query, ReplayCounts counts)
            throws SQLException, InterruptedException {
        Instant replayedAt = Instant.now();
        log.info("replaying {} ({}) with reason '{}'", config.table(), query.describe(), options.reason());
        try (KafkaSink sink = KafkaSink.create(config.bootstrapServers(), "outbox-relay-" + config.relayName()
                + "-replay", config.producerSettings(), config.dlqTopic(), counts)) {
            ReplayPublisher publisher = new ReplayPublisher(router, sink, replayedAt, options.reason());
            table.forEachRow(query, publisher);
            publisher.finish();
        }
    }

    /**
     * Where {@code --after-kafka} starts: the created_at of the newest row whose event is the last record of a
     * partition of this relay's topics, or (if those rows are gone from the table) the newest such record's
     * timestamp, which the relay sets to the source commit time; minus the overlap. Null when the topics hold no
     * event of this relay: every row is replayed.
     */
    private Instant afterKafka(OutboxTable table) throws SQLException {
        Set<String> topics = new TreeSet<>();
        for (String[] kind : table.kinds(options.aggregateTypes())) {
            Routing routing = router.route(new OutboxRow("", kind[0], "k", kind[1], "{}", "{}", null, 0, 0, 0));
            if (routing instanceof Routing.Deliver deliver) {
                topics.add(deliver.record().topic());
            }
        }
        NewestEvents.Found found = NewestEvents.in(new KafkaClients(config.bootstrapServers(),
                config.producerSettings()), topics);
        Optional<Instant> newest = table.newestCreatedAt(found.ids());
        String basis = "created_at of the newest row whose event is the last record of a partition";
        if (newest.isEmpty()) {
            newest = found.newestTimestamp();
            basis = "the newest record's timestamp (its source commit time; the rows of the last records are no "
                    + "longer in the table)";
        }
        if (newest.isEmpty()) {
            out.println("--after-kafka: topics " + topics + " hold no event of this relay: every selected row is "
                    + "replayed");
            return null;
        }
        Instant from = newest.get().minus(options.effectiveOverlap());
        out.println("--after-kafka: topics " + topics + "; newest event in Kafka: " + newest.get() + " (" + basis
                + "); starting --overlap " + options.effectiveOverlap().toString().substring(2).toLowerCase(Locale.ROOT)
                + " earlier, at " + from);
        return from;
    }
}
