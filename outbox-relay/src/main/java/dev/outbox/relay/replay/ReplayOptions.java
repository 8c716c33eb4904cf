package dev.outbox.relay.replay;

import dev.outbox.relay.RelayConfigException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line of {@code java -jar outbox-relay.jar replay …}, validated when parsed: a bad option throws
 * {@link RelayConfigException} naming it (exit code 2). The selection options combine with AND.
 *
 * @param from           {@code --from TIME}: rows with {@code created_at >= TIME}; null = no lower bound
 * @param to             {@code --to TIME}: rows with {@code created_at < TIME}; null = no upper bound
 * @param fromId         {@code --from-id UUID}: rows with {@code id >= UUID}
 * @param toId           {@code --to-id UUID}: rows with {@code id <= UUID}
 * @param aggregateTypes {@code --aggregate-type T} (repeatable, or comma separated): only these aggregate types
 * @param afterKafka     {@code --after-kafka}: rows after the newest event of this relay's topics (see README)
 * @param overlap        {@code --overlap DURATION}: with {@code --after-kafka}, how far before that event to start;
 *                       default 5 minutes
 * @param reason         {@code --reason TEXT}: why, into the {@code replay_reason} header; required unless dry run
 * @param dryRun         {@code --dry-run}: count per topic and print the range, publish nothing
 * @param configFile     {@code --config FILE}: the relay's properties file; null = environment only
 * @param help           {@code --help}: print the usage and exit 0
 */
public record ReplayOptions(Instant from, Instant to, UUID fromId, UUID toId, List<String> aggregateTypes,
        boolean afterKafka, Duration overlap, String reason, boolean dryRun, Path configFile, boolean help) {

    public static final Duration DEFAULT_OVERLAP = Duration.ofMinutes(5);

    public static final String USAGE = """
            usage: java -jar outbox-relay.jar replay [selection] (--reason TEXT | --dry-run) [--config FILE]
            Re-publishes outbox rows still in OUTBOX_TABLE with their original event ids, in commit order, through
            the relay's router and dead-letter topic, with the headers replayed=true, replayed_at and replay_reason.
            Settings come from the same OUTBOX_* environment (or --config FILE) as the relay.
            selection (at least one; several combine with AND):
              --from TIME            created_at >= TIME (ISO-8601: 2026-12-03T10:15:30Z or with an offset)
              --to TIME              created_at <  TIME
              --from-id UUID         id >= UUID (outbox-lib's ids are time-ordered UUIDv7)
              --to-id UUID           id <= UUID
              --aggregate-type TYPE  only this aggregate type (repeat, or comma separated, for several)
              --after-kafka          everything after the newest event this relay's topics hold, minus --overlap
              --overlap DURATION     with --after-kafka: start this much earlier (default 5m; 30s, 10m, 2h)
            --reason TEXT            why (goes into the replay_reason header); required unless --dry-run
            --dry-run                print the range and the count per topic; publish nothing
            exit codes: 0 done, 1 failure (database or Kafka; re-run it, consumers deduplicate by id),
                        2 bad option or setting""";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h)");

    public ReplayOptions {
        aggregateTypes = List.copyOf(aggregateTypes);
        if (!help) {
            validate(from, to, fromId, toId, aggregateTypes, afterKafka, overlap, reason, dryRun);
        }
    }

    private static void validate(Instant from, Instant to, UUID fromId, UUID toId, List<String> aggregateTypes,
            boolean afterKafka, Duration overlap, String reason, boolean dryRun) {
        if (from == null && to == null && fromId == null && toId == null && aggregateTypes.isEmpty()
                && !afterKafka) {
            throw new RelayConfigException("replay", "needs a selection: --from/--to, --from-id/--to-id, "
                    + "--aggregate-type or --after-kafka (see --help)");
        }
        if (from != null && to != null && !from.isBefore(to)) {
            throw new RelayConfigException("--to", "must be after --from (" + from + "), was " + to);
        }
        if (fromId != null && toId != null && fromId.toString().compareTo(toId.toString()) > 0) {
            throw new RelayConfigException("--to-id", "must not be before --from-id (" + fromId + ") in PostgreSQL's "
                    + "uuid order, was " + toId);
        }
        if (afterKafka && from != null) {
            throw new RelayConfigException("--after-kafka", "and --from both set where the range starts: use one");
        }
        if (!afterKafka && overlap != null) {
            throw new RelayConfigException("--overlap", "applies only with --after-kafka");
        }
        if (!dryRun && (reason == null || reason.isBlank())) {
            throw new RelayConfigException("--reason", "is required to publish: say why you replay (it goes into "
                    + "the replay_reason header of every record), e.g. --reason 'slot lost, gap of 3 December'; or "
                    + "use --dry-run");
        }
    }

    /** With {@code --after-kafka}: the overlap, default {@link #DEFAULT_OVERLAP}. */
    public Duration effectiveOverlap() {
        return overlap == null ? DEFAULT_OVERLAP : overlap;
    }

    /** Parses the arguments after {@code replay}. */
    public static ReplayOptions parse(String... args) {
        Parser parser = new Parser(args);
        Instant from = null;
        Instant to = null;
        UUID fromId = null;
        UUID toId = null;
        List<String> aggregateTypes = new ArrayList<>();
        boolean afterKafka = false;
        Duration overlap = null;
        String reason = null;
        boolean dryRun = false;
        Path configFile = null;
        boolean help = false;
        while (parser.hasNext()) {
            String option = parser.next();
            switch (option) {
                case "--from" -> from = instant(option, parser.value(option));
                case "--to" -> to = instant(option, parser.value(option));
                case "--from-id" -> fromId = uuid(option, parser.value(option));
                case "--to-id" -> toId = uuid(option, parser.value(option));
                case "--aggregate-type" -> aggregateTypes.addAll(aggregateTypes(parser.value(option)));
                case "--after-kafka" -> afterKafka = true;
                case "--overlap" -> overlap = duration(option, parser.value(option));
                case "--reason" -> reason = parser.value(option).strip();
                case "--dry-run" -> dryRun = true;
                case "--config" -> configFile = Path.of(parser.value(option));
                case "--help", "-h" -> help = true;
                default -> throw new RelayConfigException(option, "is not an option of replay (see --help)");
            }
        }
        return new ReplayOptions(from, to, fromId, toId, aggregateTypes, afterKafka, overlap, reason, dryRun,
                configFile, help);
    }

    static Instant instant(String option, String value) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new RelayConfigException(option, "must be an ISO-8601 time with a zone, e.g. 2026-12-03T10:15:30Z "
                    + "or 2026-12-03T11:15:30+01:00, was '" + value + "'");
        }
    }

    private static UUID uuid(String option, String value) {
        try {
            if (value.length() != 36) {
                throw new IllegalArgumentException();
            }
            return UUID.fromString(value);
        } catch (IllegalArgumentException e) {
            throw new RelayConfigException(option, "must be an event id (a UUID such as "
                    + "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b), was '" + value + "'");
        }
    }

    private static List<String> aggregateTypes(String value) {
        List<String> types = new ArrayList<>();
        for (String type : value.split(",")) {
            if (type.isBlank()) {
                throw new RelayConfigException("--aggregate-type", "must name aggregate types, was '" + value + "'");
            }
            types.add(type.strip());
        }
        return types;
    }

    private static Duration duration(String option, String value) {
        Matcher matcher = DURATION.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new RelayConfigException(option, "must be a duration such as 30s, 10m or 2h, was '" + value + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        };
    }

    /** Options and their values; {@code --option=value} is split into both. */
    private static final class Parser {
        private final List<String> tokens = new ArrayList<>();
        private int next;

        Parser(String[] args) {
            for (String arg : args) {
                int equals = arg.indexOf('=');
                if (arg.startsWith("--") && equals > 2) {
                    tokens.add(arg.substring(0, equals));
                    tokens.add(arg.substring(equals + 1));
                } else {
                    tokens.add(arg);
                }
            }
        }

        boolean hasNext() {
            return next < tokens.size();
        }

        String next() {
            return tokens.get(next++);
        }

        String value(String option) {
            if (!hasNext() || tokens.get(next).startsWith("--")) {
                throw new RelayConfigException(option, "needs a value (see --help)");
            }
            return tokens.get(next++);
        }
    }
}
