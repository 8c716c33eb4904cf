package dev.outbox.relay;

import dev.outbox.relay.source.DatabaseAddress;
import dev.outbox.relay.source.SourceKind;
import dev.outbox.relay.state.SlotRecreate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Every setting of the relay, validated when built: an invalid or missing one throws
 * {@link RelayConfigException} naming it. {@link #from(Map)} reads the {@code OUTBOX_*} keys (environment
 * variables or the same keys in a properties file); each setting's default is on its accessor below and in the
 * README.
 *
 * @param dbUrl             {@code OUTBOX_DB_URL}: {@code jdbc:postgresql://host:port/db}; required
 * @param dbUser            {@code OUTBOX_DB_USER}: a role with REPLICATION and SELECT on the outbox table; required
 * @param dbPassword        {@code OUTBOX_DB_PASSWORD}: default empty
 * @param bootstrapServers  {@code OUTBOX_KAFKA_BOOTSTRAP_SERVERS}: required
 * @param relayName         {@code OUTBOX_RELAY_NAME}: names the replication slot and the producer; default
 *                          {@code outbox_relay}; lower case, digits and _ (a slot name)
 * @param table             {@code OUTBOX_TABLE}: schema-qualified outbox table; default {@code public.outbox}
 * @param publication       {@code OUTBOX_PUBLICATION}: default {@code outbox_pub}, the one the schema migration
 *                          creates
 * @param topicTemplate     {@code OUTBOX_TOPIC_TEMPLATE}: default {@code outbox.event.${aggregatetype}}
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
 */
public record RelayConfig(String dbUrl, String dbUser, String dbPassword, String bootstrapServers, String relayName,
        String table, String publication, String topicTemplate, String dlqTopic, int httpPort, int batchMaxRecords,
        Duration heartbeatInterval, String ceSource, boolean exactlyOnce, String positionTopic,
        Map<String, String> producerSettings, SourceKind source, Map<String, String> debeziumSettings,
        SlotRecreate slotRecreate) {

    static final String PREFIX = "OUTBOX_";
    static final String KAFKA_PREFIX = "OUTBOX_KAFKA_";
    static final String DEBEZIUM_PREFIX = "OUTBOX_DEBEZIUM_";
    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}\\.[a-z_][a-z0-9_]{0,62}");

    public RelayConfig {
        require(dbUrl != null && dbUrl.startsWith("jdbc:postgresql://"), "OUTBOX_DB_URL",
                "must be jdbc:postgresql://host:port/database, was " + (dbUrl == null ? "missing" : "'" + dbUrl + "'"));
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
        ceSource = ceSource == null || ceSource.isBlank() ? "/outbox-relay/" + relayName : ceSource;
        producerSettings = Map.copyOf(producerSettings);
        require(source != null, "OUTBOX_SOURCE", "is required");
        require(source != SourceKind.DEBEZIUM || DatabaseAddress.isSingleHost(dbUrl), "OUTBOX_DB_URL",
                "must be jdbc:postgresql://host[:port]/database[?sslmode=...] for Debezium (one host), was '" + dbUrl
                        + "' (OUTBOX_SOURCE=pgoutput takes every URL the PostgreSQL driver does)");
        require(source == SourceKind.DEBEZIUM || debeziumSettings.isEmpty(), "OUTBOX_DEBEZIUM_*",
                "only apply with OUTBOX_SOURCE=debezium, found " + debeziumSettings.keySet());
        debeziumSettings = Map.copyOf(debeziumSettings);
        require(slotRecreate != null, "OUTBOX_SLOT_RECREATE", "is required");
    }

    /** Reads the settings from {@code OUTBOX_*} keys; unknown {@code OUTBOX_} keys are refused (typos). */
    public static RelayConfig from(Map<String, String> values) {
        Map<String, String> producer = new LinkedHashMap<>();
        Map<String, String> debezium = new LinkedHashMap<>();
        for (var entry : values.entrySet()) {
            String key = entry.getKey();
            if (key.startsWith(KAFKA_PREFIX) && !key.equals("OUTBOX_KAFKA_BOOTSTRAP_SERVERS")) {
                producer.put(passedThrough(key, KAFKA_PREFIX), entry.getValue());
            } else if (key.startsWith(DEBEZIUM_PREFIX)) {
                debezium.put(passedThrough(key, DEBEZIUM_PREFIX), entry.getValue());
            } else if (key.startsWith(PREFIX) && !KNOWN.contains(key)) {
                throw new RelayConfigException(key, "is not a setting of the relay (known: " + String.join(", ", KNOWN)
                        + ", OUTBOX_KAFKA_<producer setting>, OUTBOX_DEBEZIUM_<Debezium setting>)");
            }
        }
        return new RelayConfig(
                values.get("OUTBOX_DB_URL"),
                values.get("OUTBOX_DB_USER"),
                values.getOrDefault("OUTBOX_DB_PASSWORD", ""),
                values.get("OUTBOX_KAFKA_BOOTSTRAP_SERVERS"),
                values.getOrDefault("OUTBOX_RELAY_NAME", "outbox_relay"),
                values.getOrDefault("OUTBOX_TABLE", "public.outbox"),
                values.getOrDefault("OUTBOX_PUBLICATION", "outbox_pub"),
                values.getOrDefault("OUTBOX_TOPIC_TEMPLATE", "outbox.event.${aggregatetype}"),
                values.getOrDefault("OUTBOX_DLQ_TOPIC", "outbox.dlq"),
                integer(values, "OUTBOX_HTTP_PORT", 8090),
                integer(values, "OUTBOX_BATCH_MAX_RECORDS", 5000),
                Duration.ofMillis(integer(values, "OUTBOX_HEARTBEAT_INTERVAL_MS", 10_000)),
                values.get("OUTBOX_CE_SOURCE"),
                delivery(values.getOrDefault("OUTBOX_DELIVERY", "at-least-once")),
                values.getOrDefault("OUTBOX_POSITION_TOPIC", "outbox.relay.positions"),
                producer,
                source(values.getOrDefault("OUTBOX_SOURCE", "debezium")),
                debezium,
                slotRecreate(values.getOrDefault("OUTBOX_SLOT_RECREATE", "never")));
    }

    static final java.util.List<String> KNOWN = java.util.List.of("OUTBOX_DB_URL", "OUTBOX_DB_USER",
            "OUTBOX_DB_PASSWORD", "OUTBOX_KAFKA_BOOTSTRAP_SERVERS", "OUTBOX_RELAY_NAME", "OUTBOX_TABLE",
            "OUTBOX_PUBLICATION", "OUTBOX_TOPIC_TEMPLATE", "OUTBOX_DLQ_TOPIC", "OUTBOX_HTTP_PORT",
            "OUTBOX_BATCH_MAX_RECORDS", "OUTBOX_HEARTBEAT_INTERVAL_MS", "OUTBOX_CE_SOURCE", "OUTBOX_LOG_LEVEL",
            "OUTBOX_DELIVERY", "OUTBOX_POSITION_TOPIC", "OUTBOX_SOURCE", "OUTBOX_SLOT_RECREATE");

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

    /** Never prints the password. */
    @Override
    public String toString() {
        return "RelayConfig[db=" + dbUrl + " as " + dbUser + ", kafka=" + bootstrapServers + ", name=" + relayName
                + ", table=" + table + ", publication=" + publication + ", topics=" + topicTemplate + ", dlq="
                + dlqTopic + ", http=" + httpPort + ", batch=" + batchMaxRecords + ", delivery="
                + (exactlyOnce ? "exactly-once" : "at-least-once") + ", source="
                + source.name().toLowerCase(Locale.ROOT) + ", producer settings=" + producerSettings.keySet()
                + ", debezium settings=" + debeziumSettings.keySet()
                + (slotRecreate == SlotRecreate.NEVER ? "" : ", slot recreate=accept-gap") + "]";
    }
}
