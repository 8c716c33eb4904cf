package dev.outbox.relay.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.relay.RelayConfigException;
import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import dev.outbox.relay.route.Routing;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Issue 16, item 3: the replay's command line, the SQL it selects with, and how it marks records. No I/O. */
class ReplayOptionsTest {

    private static final String ID = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";

    @Test
    void parsesEverySelectionOption() {
        ReplayOptions options = ReplayOptions.parse("--from", "2026-12-03T10:00:00Z", "--to=2026-12-03T12:30:00+01:00",
                "--from-id", ID, "--to-id", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "--aggregate-type", "order,stock",
                "--aggregate-type", "payment", "--reason", "slot lost", "--config", "/etc/relay.properties");

        assertThat(options.from()).isEqualTo(Instant.parse("2026-12-03T10:00:00Z"));
        assertThat(options.to()).isEqualTo(Instant.parse("2026-12-03T11:30:00Z"));
        assertThat(options.fromId()).isEqualTo(UUID.fromString(ID));
        assertThat(options.aggregateTypes()).containsExactly("order", "stock", "payment");
        assertThat(options.reason()).isEqualTo("slot lost");
        assertThat(options.configFile()).isEqualTo(Path.of("/etc/relay.properties"));
        assertThat(options.dryRun()).isFalse();
        assertThat(options.afterKafka()).isFalse();
    }

    @Test
    void afterKafkaOverlapDefaultsToFiveMinutes() {
        assertThat(ReplayOptions.parse("--after-kafka", "--dry-run").effectiveOverlap())
                .isEqualTo(Duration.ofMinutes(5));
        assertThat(ReplayOptions.parse("--after-kafka", "--overlap", "90s", "--dry-run").effectiveOverlap())
                .isEqualTo(Duration.ofSeconds(90));
        assertThat(ReplayOptions.parse("--after-kafka", "--overlap", "2h", "--dry-run").effectiveOverlap())
                .isEqualTo(Duration.ofHours(2));
    }

    @Test
    void helpNeedsNothingElse() {
        assertThat(ReplayOptions.parse("--help").help()).isTrue();
        assertThat(ReplayOptions.USAGE).contains("--after-kafka", "--dry-run", "--reason", "exit codes");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "--dry-run                                             | replay    | needs a selection",
            "--from 2026-12-03T10:00:00 --dry-run                  | --from    | ISO-8601 time with a zone",
            "--from yesterday --dry-run                            | --from    | was 'yesterday'",
            "--from-id 12345 --dry-run                             | --from-id | must be an event id",
            "--to-id --dry-run                                     | --to-id   | needs a value",
            "--from 2026-12-03T11:00:00Z --to 2026-12-03T10:00:00Z --dry-run | --to | must be after --from",
            "--after-kafka --from 2026-12-03T10:00:00Z --dry-run   | --after-kafka | use one",
            "--from 2026-12-03T10:00:00Z --overlap 5m --dry-run    | --overlap | only with --after-kafka",
            "--after-kafka --overlap 5 --dry-run                   | --overlap | 30s, 10m or 2h",
            "--aggregate-type order,,x --dry-run                   | --aggregate-type | must name aggregate types",
            "--aggregate-type order                                | --reason  | is required to publish",
            "--aggregate-type order --reason ' '                   | --reason  | is required to publish",
            "--aggregate-type order --dry-run --since yesterday    | --since   | is not an option of replay",
    })
    void badInputNamesTheOption(String args, String option, String message) {
        assertThatThrownBy(() -> ReplayOptions.parse(split(args)))
                .isInstanceOfSatisfying(RelayConfigException.class, e -> assertThat(e.setting()).isEqualTo(option))
                .hasMessageContaining(message);
    }

    @Test
    void toIdBeforeFromIdIsRefused() {
        assertThatThrownBy(() -> ReplayOptions.parse("--from-id", "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "--to-id",
                ID, "--dry-run")).hasMessageContaining("--to-id must not be before --from-id");
    }

    @Test
    void queryCombinesTheSelectionWithAndAndOrdersByTransaction() {
        ReplayOptions options = ReplayOptions.parse("--to", "2026-12-03T11:00:00Z", "--from-id", ID,
                "--aggregate-type", "order", "--dry-run");
        ReplayQuery query = new ReplayQuery("public.outbox", false, options, Instant.parse("2026-12-03T10:00:00Z"));

        assertThat(query.rowsSql()).contains("FROM public.outbox WHERE created_at >= ? AND created_at < ? AND "
                + "id >= ?::uuid AND aggregatetype = ANY (?) ORDER BY age(xmin) DESC, ctid");
        assertThat(query.rowsSql()).doesNotContain("pg_xact_commit_timestamp");
        assertThat(query.parameters()).hasSize(4);
        assertThat(query.parameters().get(3)).isEqualTo(new String[] {"order"});
        assertThat(query.describe()).contains("ordered by transaction id");
    }

    @Test
    void commitTimestampsOrderFirstWhenTheServerTracksThem() {
        ReplayQuery query = new ReplayQuery("app.outbox", true, ReplayOptions.parse("--aggregate-type", "order",
                "--dry-run"), null);

        assertThat(query.rowsSql()).contains("COALESCE(pg_xact_commit_timestamp(xmin), created_at)",
                "ORDER BY pg_xact_commit_timestamp(xmin) NULLS FIRST, age(xmin) DESC, ctid");
        assertThat(query.rangeSql()).isEqualTo("SELECT count(*), min(created_at), max(created_at), min(id::text), "
                + "max(id::text) FROM app.outbox WHERE aggregatetype = ANY (?)");
    }

    @Test
    void replayedRecordsCarryProvenanceAndKeepTheirEventId() {
        Router router = new Router("outbox.event.${aggregatetype}", "/outbox-relay/test", 1024 * 1024,
                Set.of("outbox.dlq"));
        ReplayPublisher publisher = new ReplayPublisher(router, null, Instant.parse("2026-12-03T12:00:00Z"),
                "slot lost");
        OutboxRow row = new OutboxRow(ID, "order", "o-1", "OrderPlaced", "{}",
                "{\"replayed\": \"forged\", \"saga_id\": \"s-1\"}", "2026-12-03 10:00:00+00", 0, 0, 7);

        Routing.Deliver deliver = (Routing.Deliver) publisher.replayed(router.route(row));

        assertThat(header(deliver, "id")).isEqualTo(ID);
        assertThat(header(deliver, "replayed")).isEqualTo("true");
        assertThat(deliver.record().headers().headers("replayed")).hasSize(1);
        assertThat(header(deliver, "replayed_at")).isEqualTo("2026-12-03T12:00:00Z");
        assertThat(header(deliver, "replay_reason")).isEqualTo("slot lost");
        assertThat(header(deliver, "saga_id")).isEqualTo("s-1");

        OutboxRow blank = new OutboxRow(ID, " ", "o-1", "OrderPlaced", "{}", "{}", null, 0, 0, 7);
        Routing.DeadLetter dead = (Routing.DeadLetter) publisher.replayed(router.route(blank));
        assertThat(dead.reason()).startsWith("replayed at 2026-12-03T12:00:00Z (slot lost): aggregatetype is blank");
    }

    private static String header(Routing.Deliver deliver, String name) {
        return new String(deliver.record().headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static String[] split(String args) {
        List<String> tokens = new java.util.ArrayList<>();
        var matcher = java.util.regex.Pattern.compile("'([^']*)'|(\\S+)").matcher(args);
        while (matcher.find()) {
            tokens.add(matcher.group(1) != null ? matcher.group(1) : matcher.group(2));
        }
        return tokens.toArray(String[]::new);
    }
}
