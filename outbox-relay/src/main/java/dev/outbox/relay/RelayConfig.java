package dev.outbox.relay;

import dev.outbox.relay.source.DatabaseAddress;
import dev.outbox.relay.source.SourceKind;
import dev.outbox.relay.state.SlotRecreate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every setting of the relay, validated when built: an invalid or missing one throws
 * {@link RelayConfigException} naming it. {@link #from(Map)} reads the {@code OUTBOX_*} keys (environment
 * variables or the same keys in a properties file); each setting's default is on its accessor below and in the
 * README.
 *
 * @param dbUrl             {@code OUTBOX_DB_URL}: {@code jdbc:postgresql://host:port/db}, or several hosts
 *                          ({@code host1:port1,host2:port2/db?targetServerType=primary}); required
 * @param dbUser            {@code OUTBOX_DB_USER}: a role with REPLICATION and SELECT on the outbox table; required
 * @param dbPassword        {@code OUTBOX_DB_PASSWORD}: default empty
 * @param bootstrapServers  {@code OUTBOX_KAFKA_BOOTSTRAP_SERVERS}: required
 * @param relayName         {@code OUTBOX_RELAY_NAME}: names the replication slot and the producer; default
 *                          {@code outbox_relay}; lower case, digits and _ (a slot name); exactly-once requires it
 *                          set explicitly (it is the transactional id and the key of the committed position)
 * @param table             {@code OUTBOX_TABLE}: schema-qualified outbox table; default {@code public.outbox}
 * @param publication       {@code OUTBOX_PUBLICATION}: default {@code outbox_pub}, the one the schema migration
 *                          creates
 * @param topicTemplate     {@code OUTBOX_TOPIC_TEMPLATE}: default {@code outbox.event.${aggregatetype}}; a template
 *                          without placeholders may not name the dead-letter or the position topic
 * @param dlqTopic          {@code OUTBOX_DLQ_TOPIC}: default {@code outbox.dlq}
 * @param httpPort          {@code OUTBOX_HTTP_PORT}: health and metrics; default 8090, 0 = off
 * @param batchMaxRecords   {@code OUTBOX_BATCH_MAX_RECORDS}: most rows read past the slot's confirmed position
 *                          (then the relay waits until half are acknowledged and confirms); exactly-once: most rows
 *                          per Kafka transaction; default 5000
 * @param heartbeatInterval {@code OUTBOX_HEARTBEAT_INTERVAL_MS}: how often an idle relay confirms the server's
 *                          position so the slot retains no WAL; default 10000
 * @param ceSource          {@code OUTBOX_CE_SOURCE}: CloudEvents {@code ce_source}; default
 *                          {@code /outbox-relay/<relay name>}
 * @param exactlyOnce       {@code OUTBOX_DELIVERY}: {@code at-least-once} (default) or {@code exactly-once} (one
 *                          Kafka transaction per batch with the source position inside it)
 * @param positionTopic     {@code OUTBOX_POSITION_TOPIC}: compacted topic holding each relay's committed source
 *                          position in exactly-once mode; default {@code outbox.relay.positions}
 * @param producerSettings  every {@code OUTBOX_KAFKA_<X>} (other than the bootstrap servers) as producer setting
 *                          {@code <x>} ({@code _} becomes {@code .}, lower case)
 * @param source            {@code OUTBOX_SOURCE}: {@code debezium} (default: Debezium Embedded reads the slot) or
 *                          {@code pgoutput} (the driver's replication API reads it directly)
 * @param debeziumSettings  every {@code OUTBOX_DEBEZIUM_<X>} as Debezium connector/engine setting {@code <x>}
 *                          ({@code _} becomes {@code .}, lower case), over the relay's tuned values
 * @param slotRecreate      {@code OUTBOX_SLOT_RECREATE}: {@code never} (default: a slot that is gone after this relay
 *                          streamed from it stops the relay) or {@code accept-gap} (create a new slot, log the gap)
 * @param shutdownTimeout   {@code OUTBOX_SHUTDOWN_TIMEOUT}: how long a stop (SIGTERM) may take to finish and confirm
 *                          what was read before the process exits anyway; default 30 s ({@code 30}, {@code 30s},
 *                          {@code 1500ms}, {@code 2m})
 * @param livenessTimeout   {@code OUTBOX_LIVENESS_TIMEOUT_MS}: {@code /health/live} is DOWN once the relay thread has
 *                          neither made progress nor been in a wait it knows about for this long; default 60000
 * @param maxInFlightBytes  {@code OUTBOX_MAX_IN_FLIGHT_BYTES}: most bytes (estimated) of rows read past the slot's
 *                          confirmed position, and of Debezium's queue; exactly-once: a Kafka transaction closes at the
 *                          first source transaction end past it; default 16777216 (16 MiB)
 * @param slotRequireFailover {@code OUTBOX_SLOT_REQUIRE_FAILOVER}: {@code true} stops the relay at start (exit 1)
 *                          when its slot is not synchronised to a standby (PostgreSQL 17+ failover slots); default
 *                          {@code false}: the state is logged and is the metric
 *                          {@code outbox_relay_slot_failover_ready}
 *
 * <p>Pass-through settings the guarantees depend on are refused ({@link GuardedSettings}); Kubernetes service-link
 * variables ({@code OUTBOX_<SERVICE>_SERVICE_HOST} …) are ignored ({@link ServiceLinks}).
 */
public record RelayConfig(String dbUrl, String dbUser, String dbPassword, String bootstrapServers, String relayName,
        String table, String publication, String topicTemplate, String dlqTopic, int httpPort, int batchMaxRecords,
        Duration heartbeatInterval, String ceSource, boolean exactlyOnce, String positionTopic,
        Map<String, String> producerSettings, SourceKind source, Map<String, String> debeziumSettings,
        Duration shutdownTimeout, Duration livenessTimeout, int maxInFlightBytes, SlotRecreate slotRecreate,
        boolean slotRequireFailover) {

    static final String PREFIX = "OUTBOX_";
    static final String KAFKA_PREFIX = "OUTBOX_KAFKA_";
    static final String DEBEZIUM_PREFIX = "OUTBOX_DEBEZIUM_";
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})\\s*(ms|s|m)?");
    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}\\.[a-z_][a-z0-9_]{0,62}");

    public RelayConfig {
        require(dbUrl != null && dbUrl.startsWith("jdbc:postgresql://"), "OUTBOX_DB_URL",
                "must be jdbc:postgresql://host:port/database, was "
                        + (dbUrl == null ? "missing" : "'" + Secrets.maskUrl(dbUrl) + "'"));
        require(dbUser != null && !dbUser.isBlank(), "OUTBOX_DB_USER", "is required");
        dbPassword = dbPassword == null ? "" : dbPassword;
        require(bootstrapServers != null && !bootstrapServers.isBlank(), "OUTBOX_KAFKA_BOOTSTRAP_SERVERS",
                "is required (host:port[,host:port])");
        require(relayName != null && IDENTIFIER.matcher(relayName).matches(), "OUTBOX_RELAY_NAME",
                "must be lower case letters, digits and _ (it names the replication slot), was '" + relayName + "'");
        require(table != null && TABLE.matcher(table).matches(), "OUTBOX_TABLE",
                "must be schema.table in lower case, was '" + table + "'");
        require(publication != null && IDENTIFIER.matcher(publication).matches(), "OUTBOX_PUBLICATION",
                "must be a lower-case SQL identifier, was '" + publication + "'");
        require(topicTemplate != null && !topicTemplate.isBlank(), "OUTBOX_TOPIC_TEMPLATE", "must not be blank");
        require(dlqTopic != null && dlqTopic.matches("[A-Za-z0-9._-]{1,249}"), "OUTBOX_DLQ_TOPIC",
                "must be a valid Kafka topic name, was '" + dlqTopic + "'");
        require(httpPort >= 0 && httpPort <= 65535, "OUTBOX_HTTP_PORT", "must be 0..65535, was " + httpPort);
        require(batchMaxRecords >= 1 && batchMaxRecords <= 1_000_000, "OUTBOX_BATCH_MAX_RECORDS",
                "must be 1..1000000, was " + batchMaxRecords);
        require(heartbeatInterval != null && heartbeatInterval.toMillis() >= 100, "OUTBOX_HEARTBEAT_INTERVAL_MS",
                "must be at least 100, was " + (heartbeatInterval == null ? null : heartbeatInterval.toMillis()));
        require(positionTopic != null && positionTopic.matches("[A-Za-z0-9._-]{1,249}"), "OUTBOX_POSITION_TOPIC",
                "must be a valid Kafka topic name, was '" + positionTopic + "'");
        require(!positionTopic.equals(dlqTopic), "OUTBOX_POSITION_TOPIC", "must differ from OUTBOX_DLQ_TOPIC ('"
                + dlqTopic + "'): position records and dead letters cannot share a topic");
        require(topicTemplate.contains("${") || !(topicTemplate.equals(dlqTopic)
                || topicTemplate.equals(positionTopic)), "OUTBOX_TOPIC_TEMPLATE", "'" + topicTemplate
                + "' would send every row to the " + (topicTemplate.equals(dlqTopic) ? "dead-letter topic "
                + "(OUTBOX_DLQ_TOPIC)" : "exactly-once position topic (OUTBOX_POSITION_TOPIC)")
                + ": choose another topic");
        require(shutdownTimeout != null && shutdownTimeout.toMillis() >= 1 && shutdownTimeout.toHours() < 24,
                "OUTBOX_SHUTDOWN_TIMEOUT", "must be at least 1 ms and under a day, was " + shutdownTimeout);
        ceSource = ceSource == null || ceSource.isBlank() ? "/outbox-relay/" + relayName : ceSource;
        producerSettings = Map.copyOf(producerSettings);
        GuardedSettings.checkProducer(producerSettings);
        String maxRequestSize = producerSettings.get("max.request.size");
        require(maxRequestSize == null || maxRequestSize.matches("\\d{1,9}"), "OUTBOX_KAFKA_MAX_REQUEST_SIZE",
                "must be a whole number of bytes, was '" + maxRequestSize + "'");
        require(source != null, "OUTBOX_SOURCE", "is required");
        require(source != SourceKind.DEBEZIUM || DatabaseAddress.isSupported(dbUrl), "OUTBOX_DB_URL",
                "must be jdbc:postgresql://host[:port][,host[:port]...]/database[?sslmode=...] for Debezium, was '"
                        + Secrets.maskUrl(dbUrl) + "' (OUTBOX_SOURCE=pgoutput takes every URL the PostgreSQL "
                        + "driver does)");
        require(source == SourceKind.DEBEZIUM || debeziumSettings.isEmpty(), "OUTBOX_DEBEZIUM_*",
                "only apply with OUTBOX_SOURCE=debezium, found " + debeziumSettings.keySet());
        debeziumSettings = Map.copyOf(debeziumSettings);
        GuardedSettings.checkDebezium(debeziumSettings);
        require(livenessTimeout != null && livenessTimeout.toMillis() >= 1000, "OUTBOX_LIVENESS_TIMEOUT_MS",
                "must be at least 1000, was " + (livenessTimeout == null ? null : livenessTimeout.toMillis()));
        require(maxInFlightBytes >= 1024 * 1024, "OUTBOX_MAX_IN_FLIGHT_BYTES",
                "must be at least 1048576 (1 MiB), was " + maxInFlightBytes);
        require(slotRecreate != null, "OUTBOX_SLOT_RECREATE", "is required");
    }

    /**
     * Reads the settings from {@code OUTBOX_*} keys; unknown {@code OUTBOX_} keys are refused (typos), Kubernetes
     * service-link variables ignored.
     */
    public static RelayConfig from(Map<String, String> values) {
        Map<String, String> producer = new LinkedHashMap<>();
        Map<String, String> debezium = new LinkedHashMap<>();
        for (var entry : values.entrySet()) {
            String key = entry.getKey();
            if (KNOWN.contains(key) && ServiceLinks.isLinkUrl(entry.getValue())) {
                throw new RelayConfigException(key, "is '" + entry.getValue() + "', the service-link variable "
                        + "Kubernetes injects for a Service named " + ServiceLinks.serviceOf(key) + ": rename that "
                        + "Service, or set enableServiceLinks: false in the pod spec");
            }
            if (!KNOWN.contains(key) && key.startsWith(PREFIX) && ServiceLinks.isServiceLink(key, entry.getValue())) {
                continue;
            }
            if (key.startsWith(KAFKA_PREFIX) && !key.equals("OUTBOX_KAFKA_BOOTSTRAP_SERVERS")) {
                producer.put(passedThrough(key, KAFKA_PREFIX), entry.getValue());
            } else if (key.startsWith(DEBEZIUM_PREFIX)) {
                debezium.put(passedThrough(key, DEBEZIUM_PREFIX), entry.getValue());
            } else if (key.startsWith(PREFIX) && !KNOWN.contains(key)) {
                throw new RelayConfigException(key, "is not a setting of the relay (known: " + String.join(", ", KNOWN)
                        + ", OUTBOX_KAFKA_<producer setting>, OUTBOX_DEBEZIUM_<Debezium setting>)");
            }
        }
        // Read by LogConfiguration before the settings are checked, where an unknown value falls back to text.
        require(List.of("text", "json").contains(values.getOrDefault("OUTBOX_LOG_FORMAT", "text")),
                "OUTBOX_LOG_FORMAT", "must be text or json, was '" + values.get("OUTBOX_LOG_FORMAT") + "'");
        boolean exactlyOnce = delivery(values.getOrDefault("OUTBOX_DELIVERY", "at-least-once"));
        String relayName = values.get("OUTBOX_RELAY_NAME");
        require(!exactlyOnce || (relayName != null && !relayName.isBlank()), "OUTBOX_RELAY_NAME",
                "must be set explicitly with OUTBOX_DELIVERY=exactly-once: it is the Kafka transactional id and the "
                        + "key of the committed position, so a relay that fell back to the default name could fence, "
                        + "or resume from the position of, another relay with the default name");
        return new RelayConfig(
                values.get("OUTBOX_DB_URL"),
                values.get("OUTBOX_DB_USER"),
                values.getOrDefault("OUTBOX_DB_PASSWORD", ""),
                values.get("OUTBOX_KAFKA_BOOTSTRAP_SERVERS"),
                relayName == null ? "outbox_relay" : relayName,
                values.getOrDefault("OUTBOX_TABLE", "public.outbox"),
                values.getOrDefault("OUTBOX_PUBLICATION", "outbox_pub"),
                values.getOrDefault("OUTBOX_TOPIC_TEMPLATE", "outbox.event.${aggregatetype}"),
                values.getOrDefault("OUTBOX_DLQ_TOPIC", "outbox.dlq"),
                integer(values, "OUTBOX_HTTP_PORT", 8090),
                integer(values, "OUTBOX_BATCH_MAX_RECORDS", 5000),
                Duration.ofMillis(integer(values, "OUTBOX_HEARTBEAT_INTERVAL_MS", 10_000)),
                values.get("OUTBOX_CE_SOURCE"),
                exactlyOnce,
                values.getOrDefault("OUTBOX_POSITION_TOPIC", "outbox.relay.positions"),
                producer,
                source(values.getOrDefault("OUTBOX_SOURCE", "debezium")),
                debezium,
                duration(values, "OUTBOX_SHUTDOWN_TIMEOUT", DEFAULT_SHUTDOWN_TIMEOUT),
                Duration.ofMillis(integer(values, "OUTBOX_LIVENESS_TIMEOUT_MS", 60_000)),
                integer(values, "OUTBOX_MAX_IN_FLIGHT_BYTES", 16 * 1024 * 1024),
                slotRecreate(values.getOrDefault("OUTBOX_SLOT_RECREATE", "never")),
                bool(values, "OUTBOX_SLOT_REQUIRE_FAILOVER"));
    }

    static final java.util.List<String> KNOWN = java.util.List.of("OUTBOX_DB_URL", "OUTBOX_DB_USER",
            "OUTBOX_DB_PASSWORD", "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", "OUTBOX_RELAY_NAME", "OUTBOX_TABLE",
            "OUTBOX_PUBLICATION", "OUTBOX_TOPIC_TEMPLATE", "OUTBOX_DLQ_TOPIC", "OUTBOX_HTTP_PORT",
            "OUTBOX_BATCH_MAX_RECORDS", "OUTBOX_HEARTBEAT_INTERVAL_MS", "OUTBOX_CE_SOURCE", "OUTBOX_LOG_LEVEL",
            "OUTBOX_DELIVERY", "OUTBOX_POSITION_TOPIC", "OUTBOX_SOURCE", "OUTBOX_SHUTDOWN_TIMEOUT",
            "OUTBOX_LOG_FORMAT", "OUTBOX_LIVENESS_TIMEOUT_MS", "OUTBOX_MAX_IN_FLIGHT_BYTES", "OUTBOX_SLOT_RECREATE",
            "OUTBOX_SLOT_REQUIRE_FAILOVER");

    private static SourceKind source(String value) {
        return switch (value.strip()) {
            case "debezium" -> SourceKind.DEBEZIUM;
            case "pgoutput" -> SourceKind.PGOUTPUT;
            default -> throw new RelayConfigException("OUTBOX_SOURCE", "must be debezium or pgoutput, was '" + value
                    + "'");
        };
    }

    private static SlotRecreate slotRecreate(String value) {
        return switch (value.strip()) {
            case "never" -> SlotRecreate.NEVER;
            case "accept-gap" -> SlotRecreate.ACCEPT_GAP;
            default -> throw new RelayConfigException("OUTBOX_SLOT_RECREATE", "must be never or accept-gap, was '"
                    + value + "'");
        };
    }

    /** {@code OUTBOX_KAFKA_MAX_REQUEST_SIZE} → {@code max.request.size}: the setting behind a pass-through key. */
    private static String passedThrough(String key, String prefix) {
        return key.substring(prefix.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static boolean delivery(String value) {
        return switch (value.strip()) {
            case "exactly-once" -> true;
            case "at-least-once" -> false;
            default -> throw new RelayConfigException("OUTBOX_DELIVERY",
                    "must be exactly-once or at-least-once, was '" + value + "'");
        };
    }

    private static boolean bool(Map<String, String> values, String key) {
        String value = values.getOrDefault(key, "false").strip();
        require(value.equals("true") || value.equals("false"), key, "must be true or false, was '" + value + "'");
        return value.equals("true");
    }

    private static int integer(Map<String, String> values, String key, int defaultValue) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new RelayConfigException(key, "must be a whole number, was '" + value + "'");
        }
    }

    /** A whole number of seconds, or with a unit: {@code 30}, {@code 30s}, {@code 1500ms}, {@code 2m}. */
    private static Duration duration(Map<String, String> values, String key, Duration defaultValue) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        var matcher = DURATION.matcher(value.strip());
        if (!matcher.matches()) {
            throw new RelayConfigException(key, "must be a duration such as 30, 30s, 1500ms or 2m, was '" + value
                    + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2) == null ? "s" : matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofSeconds(amount);
        };
    }

    private static void require(boolean ok, String setting, String problem) {
        if (!ok) {
            throw new RelayConfigException(setting, problem);
        }
    }

    /** The schema part of {@link #table()}. */
    public String tableSchema() {
        return table.substring(0, table.indexOf('.'));
    }

    /** The name part of {@link #table()}. */
    public String tableName() {
        return table.substring(table.indexOf('.') + 1);
    }

    /** Never prints a secret: no password, no URL parameter that holds one, only the keys of pass-through settings. */
    @Override
    public String toString() {
        return "RelayConfig[db=" + Secrets.maskUrl(dbUrl) + " as " + dbUser + ", kafka=" + bootstrapServers
                + ", name=" + relayName
                + ", table=" + table + ", publication=" + publication + ", topics=" + topicTemplate + ", dlq="
                + dlqTopic + ", http=" + httpPort + ", batch=" + batchMaxRecords + ", delivery="
                + (exactlyOnce ? "exactly-once" : "at-least-once") + ", source="
                + source.name().toLowerCase(Locale.ROOT) + ", producer settings=" + producerSettings.keySet()
                + ", debezium settings=" + debeziumSettings.keySet() + ", shutdown timeout="
                + shutdownTimeout.toMillis() + " ms"
                + (slotRecreate == SlotRecreate.NEVER ? "" : ", slot recreate=accept-gap")
                + (slotRequireFailover ? ", slot require failover" : "") + "]";
    }
}
