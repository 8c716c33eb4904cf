package dev.outbox.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.outbox.consumer.EventConsumer;
import dev.outbox.relay.replay.Replay;
import dev.outbox.relay.replay.ReplayOptions;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.Kafka;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 3: a slot lost while the relay is down, the relay started again with
 * {@code OUTBOX_SLOT_RECREATE=accept-gap} (the gap is not relayed), then {@code replay} of the gap: an outbox-lib
 * inbox consumer applies every row exactly once, and the replayed records carry their original event ids, the
 * {@code replayed} header and per-aggregate commit order.
 */
@OutboxInfraTest
class RelayReplayIT {

    private static final String NAME = "replay_gap";
    private static final String TOPIC = NAME + ".order";
    private static final int AGGREGATES = 5;
    private static final int GAP_TRANSACTIONS = 40;
    /** The gap's rows: 3 per transaction, plus the two of {@link #startedFirstCommittedLast}. */
    private static final int GAP_ROWS = GAP_TRANSACTIONS * 3 + 2;
    private static final Pattern REPLAY_FROM = Pattern.compile("replay --from (\\S+)");

    /** The payload of the test's events: its aggregate's sequence number. */
    record Step(int seq) {
    }

    @Test
    void aGapLeftByALostSlotIsReplayedAndAppliedExactlyOnce(TestDatabase database, Kafka kafka) throws Exception {
        OutboxSchema.migrateLibrary(database.dataSource());
        database.execute("CREATE TABLE applied (event_id uuid NOT NULL, aggregate text NOT NULL, seq int NOT NULL, "
                + "replayed text)");
        kafka.createTopic(TOPIC, 3);
        Map<String, String> environment = RelayProcess.environment(database, kafka, NAME);
        environment.put("OUTBOX_POSITION_TOPIC", NAME + ".positions");
        Map<Integer, Integer> seqs = new HashMap<>();

        try (EventConsumer consumer = inboxConsumer(database, kafka)) {
            try (RelayProcess relay = new RelayProcess(environment).start()) {
                awaitStreaming(relay);
                insert(database, seqs, AGGREGATES, 1);
                awaitApplied(database, AGGREGATES);
                assertThat(relay.terminate()).as("clean stop; output:%n%s", relay.output()).isZero();
            }
            database.execute("SELECT pg_drop_replication_slot('" + NAME + "')");
            Instant gapStart = Instant.now();
            startedFirstCommittedLast(database, seqs);
            insert(database, seqs, GAP_TRANSACTIONS, 3);

            String dryRun = replay(environment, "--after-kafka", "--overlap", "0s", "--dry-run");
            Matcher from = REPLAY_FROM.matcher(dryRun);
            assertThat(from.find()).as("dry run output:%n%s", dryRun).isTrue();
            Instant replayFrom = Instant.parse(from.group(1));
            assertThat(replayFrom).as("--after-kafka starts at the last delivered row, before the gap")
                    .isBefore(gapStart);
            assertThat(dryRun).contains("dry run: nothing published", "  " + TOPIC + ": ");

            Map<String, String> acceptGap = new HashMap<>(environment);
            acceptGap.put("OUTBOX_SLOT_RECREATE", "accept-gap");
            try (RelayProcess relay = new RelayProcess(acceptGap).start()) {
                awaitStreaming(relay);
                insert(database, seqs, AGGREGATES, 1);
                int relayed = AGGREGATES + AGGREGATES;
                awaitApplied(database, relayed);
                assertThat(count(database, "SELECT count(*) FROM applied")).as("the gap was not relayed")
                        .isEqualTo(relayed);

                String output = replay(environment, "--from", replayFrom.toString(), "--reason", "slot lost in IT");
                assertThat(output).contains("published", "  " + TOPIC + ": ");

                int all = relayed + GAP_ROWS;
                awaitApplied(database, all);
                assertThat(relay.terminate()).isZero();
            }
            assertAppliedOnceInOrder(database);
        }
        assertThat(replay(environment, "--from", "2000-01-01T00:00:00Z", "--dry-run"))
                .as("a range reaching before the oldest row warns that deleted rows cannot be replayed")
                .contains("WARNING: the oldest row still in public.outbox was created at");
        assertReplayedRecordsKeepIdsOrderAndHeaders(database, kafka);
    }

    @Test
    void badOptionsExitTwoNamingTheOption(TestDatabase database, Kafka kafka) throws Exception {
        Map<String, String> environment = RelayProcess.environment(database, kafka, "replay_bad_option");
        CliRun run = cli(environment, "replay", "--from", "noon", "--dry-run");
        assertThat(run.exit()).as("output:%n%s", run.output()).isEqualTo(2);
        assertThat(run.output()).contains("--from must be an ISO-8601 time with a zone");
    }

    private static EventConsumer inboxConsumer(TestDatabase database, Kafka kafka) {
        return EventConsumer.builder(database.dataSource(), kafka.bootstrapServers(), NAME + "-inbox")
                .topics(TOPIC)
                .on("Step", Step.class, (tx, step, context) -> tx.execute(
                        "INSERT INTO applied VALUES (?::uuid, ?, ?, ?)", context.eventId().toString(), context.key(),
                        step.seq(), context.header("replayed")))
                .pollTimeout(Duration.ofMillis(100))
                .start();
    }

    /** {@code transactions} transactions, each appending {@code rows} steps to one aggregate, round robin. */
    private static void insert(TestDatabase database, Map<Integer, Integer> seqs, int transactions, int rows)
            throws Exception {
        try (Connection connection = database.dataSource().getConnection()) {
            connection.setAutoCommit(false);
            for (int t = 0; t < transactions; t++) {
                int aggregate = seqs.size() < AGGREGATES ? seqs.size() : t % AGGREGATES;
                for (int r = 0; r < rows; r++) {
                    insertStep(connection, aggregate, seqs.merge(aggregate, 1, Integer::sum));
                }
                connection.commit();
            }
        }
    }

    /**
     * Two transactions on aggregate 0 where created_at order is not commit order: the first begins (its created_at,
     * {@code now()}, is its start), the second writes step n and commits, then the first writes step n+1 and commits.
     */
    private static void startedFirstCommittedLast(TestDatabase database, Map<Integer, Integer> seqs)
            throws Exception {
        try (Connection first = database.dataSource().getConnection();
                Connection second = database.dataSource().getConnection()) {
            first.setAutoCommit(false);
            first.createStatement().execute("SELECT 1");
            second.setAutoCommit(false);
            insertStep(second, 0, seqs.merge(0, 1, Integer::sum));
            second.commit();
            insertStep(first, 0, seqs.merge(0, 1, Integer::sum));
            first.commit();
        }
        assertThat(count(database, "SELECT count(*) FROM outbox WHERE aggregateid = 'o-0' AND payload->>'seq' = '"
                + seqs.get(0) + "' AND created_at < (SELECT created_at FROM outbox WHERE aggregateid = 'o-0' AND "
                + "payload->>'seq' = '" + (seqs.get(0) - 1) + "')")).as("created_at order differs from commit order")
                .isEqualTo(1);
    }

    private static void insertStep(Connection connection, int aggregate, int seq) throws Exception {
        try (PreparedStatement statement = connection.prepareStatement(Outboxes.INSERT)) {
            statement.setString(1, java.util.UUID.randomUUID().toString());
            statement.setString(2, "order");
            statement.setString(3, "o-" + aggregate);
            statement.setString(4, "Step");
            statement.setString(5, "{\"seq\": " + seq + "}");
            statement.setString(6, "{}");
            statement.executeUpdate();
        }
    }

    private static void assertAppliedOnceInOrder(TestDatabase database) {
        assertThat(count(database, "SELECT count(*) FROM applied")).isEqualTo(count(database,
                "SELECT count(*) FROM outbox"));
        assertThat(count(database, "SELECT count(*) FROM outbox o WHERE (SELECT count(*) FROM applied a "
                + "WHERE a.event_id = o.id) <> 1")).as("rows not applied exactly once").isZero();
        assertThat(count(database, "SELECT count(*) FROM applied WHERE replayed = 'true'"))
                .as("the gap arrived by the replay").isEqualTo(GAP_ROWS);
    }

    /** On the topic: each gap row once as a replayed record with its own id, in sequence per aggregate. */
    private static void assertReplayedRecordsKeepIdsOrderAndHeaders(TestDatabase database, Kafka kafka) {
        List<String> gapIds = database.dsl().fetch("SELECT id::text FROM outbox o WHERE EXISTS (SELECT 1 "
                + "FROM applied a WHERE a.event_id = o.id AND a.replayed = 'true')").getValues(0, String.class);
        try (var consumer = Outboxes.consumer(kafka.bootstrapServers(), TOPIC)) {
            List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>(Outboxes.drainQuiet(consumer));
            List<ConsumerRecord<byte[], byte[]>> replayed = records.stream()
                    .filter(r -> "true".equals(Outboxes.header(r, "replayed"))).toList();
            assertThat(replayed).extracting(r -> Outboxes.header(r, "id")).containsAll(gapIds);
            assertThat(replayed).allSatisfy(r -> {
                assertThat(Outboxes.header(r, "replay_reason")).isEqualTo("slot lost in IT");
                assertThat(Outboxes.header(r, "replayed_at")).isNotBlank();
                assertThat(Outboxes.header(r, "ce_id")).isEqualTo(Outboxes.header(r, "id"));
            });
            Map<String, Integer> lastSeq = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : replayed) {
                int seq = Integer.parseInt(Outboxes.value(record).replaceAll("\\D", ""));
                Integer previous = lastSeq.put(Outboxes.key(record), seq);
                assertThat(previous == null || previous < seq).as("commit order of %s: %s after %s",
                        Outboxes.key(record), seq, previous).isTrue();
            }
        }
    }

    private static void awaitStreaming(RelayProcess relay) {
        await().atMost(Duration.ofSeconds(90)).until(() -> relay.output().contains("streaming public.outbox")
                || !relay.isAlive());
        assertThat(relay.output()).as("relay output").contains("streaming public.outbox");
    }

    private static void awaitApplied(TestDatabase database, int rows) {
        await().atMost(Duration.ofSeconds(60)).until(() -> count(database, "SELECT count(*) FROM applied") >= rows);
    }

    private static long count(TestDatabase database, String sql) {
        return ((Number) database.dsl().fetchValue(sql)).longValue();
    }

    /**
     * The replay in this JVM, as {@code RelayMain} runs it (a JVM of its own would add seconds of start-up here;
     * {@link #badOptionsExitTwoNamingTheOption} runs the command line itself); returns what it printed.
     */
    private static String replay(Map<String, String> environment, String... args) throws InterruptedException {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        new Replay(RelayConfig.from(environment), ReplayOptions.parse(args), new PrintStream(printed, true,
                StandardCharsets.UTF_8)).run();
        return printed.toString(StandardCharsets.UTF_8);
    }

    record CliRun(int exit, String output) {
    }

    /** The command line in its own JVM, as {@code java -jar outbox-relay.jar replay …} runs it: exit code, output. */
    private static CliRun cli(Map<String, String> environment, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), RelayMain.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(key -> key.startsWith("OUTBOX_"));
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(90, TimeUnit.SECONDS)).as("replay ended; output:%n%s", output).isTrue();
        return new CliRun(process.exitValue(), output);
    }
}
