package dev.outbox.relay;

import java.util.Locale;
import java.util.Map;

/**
 * Pass-through settings ({@code OUTBOX_KAFKA_<X>}, {@code OUTBOX_DEBEZIUM_<X>}) that the relay's guarantees depend
 * on. A value that would break them is refused with the key and the reason, so the relay never starts in a mode
 * where it confirms the slot on sends Kafka never acknowledged, or where the slot and the stream are not the ones the
 * start checks verified.
 */
final class GuardedSettings {

    /** Producer settings the relay sets itself: refused whatever the value. */
    private static final Map<String, String> KAFKA_SET_BY_RELAY = Map.of(
            "transactional.id", "it is outbox-relay-<OUTBOX_RELAY_NAME> in exactly-once mode, and at-least-once "
                    + "uses no transactions",
            "bootstrap.servers", "it is OUTBOX_KAFKA_BOOTSTRAP_SERVERS");

    /**
     * Debezium settings the relay sets itself and relies on: refused whatever the value. Keys that end with
     * {@code *} refuse every setting starting with that prefix.
     */
    private static final Map<String, String> DEBEZIUM_SET_BY_RELAY = Map.ofEntries(
            Map.entry("provide.transaction.metadata", "the relay rebuilds each source transaction (and the position "
                    + "it may confirm) from the transaction metadata; without it no row is ever delivered"),
            Map.entry("snapshot.mode", "the relay never snapshots: it streams what commits after the slot's "
                    + "confirmed position, and a snapshot would re-send every row of the table"),
            Map.entry("slot.name", "the slot is named by OUTBOX_RELAY_NAME; the start checks verify that slot"),
            Map.entry("publication.name", "the publication is OUTBOX_PUBLICATION; the start checks verify it"),
            Map.entry("publication.autocreate.mode", "the start checks create or verify the publication (inserts "
                    + "into the outbox table only); Debezium must not alter it"),
            Map.entry("plugin.name", "the relay reads the slot with pgoutput; the start checks verify the slot's "
                    + "plugin"),
            Map.entry("offset.storage*", "the slot is the relay's only position (SlotOffsetStore); another offset "
                    + "store would resume from a position the slot does not hold and could skip rows"),
            Map.entry("outbox.start.position", "the relay starts Debezium at the slot's confirmed position"),
            Map.entry("table.include.list", "it is OUTBOX_TABLE"),
            Map.entry("table.exclude.list", "the relay streams OUTBOX_TABLE only"),
            Map.entry("schema.include.list", "the relay streams OUTBOX_TABLE only"),
            Map.entry("schema.exclude.list", "the relay streams OUTBOX_TABLE only"),
            Map.entry("skipped.operations", "the relay relays inserts only (u,d,t are skipped)"),
            Map.entry("message.prefix.include.list", "the idle heartbeat's logical decoding messages must reach the "
                    + "relay, or an idle slot never moves"),
            Map.entry("connector.class", "the relay runs Debezium's PostgreSQL connector"),
            Map.entry("errors.max.retries", "a Debezium failure must end the engine so the relay re-runs its "
                    + "fail-closed slot checks before it reads again"),
            Map.entry("record.processing.order", "rows must reach the relay in commit order"),
            Map.entry("topic.transaction", "names the transaction-metadata records the relay recognises"),
            Map.entry("topic.delimiter", "names the records the relay recognises"),
            Map.entry("topic.naming.strategy", "names the records the relay recognises"),
            Map.entry("transforms*", "the relay reads Debezium's records in-process; a transform would change the "
                    + "records it recognises"),
            Map.entry("database.hostname", "it comes from OUTBOX_DB_URL, the server the start checks verified"),
            Map.entry("database.port", "it comes from OUTBOX_DB_URL, the server the start checks verified"),
            Map.entry("database.dbname", "it comes from OUTBOX_DB_URL, the database the start checks verified"),
            Map.entry("database.user", "it is OUTBOX_DB_USER"),
            Map.entry("database.password", "it is OUTBOX_DB_PASSWORD"));

    private GuardedSettings() {
    }

    /** Throws {@link RelayConfigException} naming the first producer setting that would break the guarantees. */
    static void checkProducer(Map<String, String> producerSettings) {
        producerSettings.forEach((key, value) -> {
            String setting = RelayConfig.KAFKA_PREFIX + envName(key);
            String reason = KAFKA_SET_BY_RELAY.get(key);
            if (reason != null) {
                throw setByRelay(setting, reason);
            }
            String text = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
            switch (key) {
                case "acks" -> {
                    if (!text.equals("all") && !text.equals("-1")) {
                        throw refused(setting, "must be all (or -1): the slot is confirmed on Kafka's "
                                + "acknowledgement, which must mean every in-sync replica has the row, was '" + value
                                + "'");
                    }
                }
                case "enable.idempotence" -> {
                    if (!text.equals("true")) {
                        throw refused(setting, "must be true: without idempotence a retried send can duplicate or "
                                + "reorder rows of an aggregate, was '" + value + "'");
                    }
                }
                case "max.in.flight.requests.per.connection" -> {
                    if (!inRange(text, 1, 5)) {
                        throw refused(setting, "must be 1..5 (default 1): idempotence keeps order only with at "
                                + "most 5 requests in flight, was '" + value + "'");
                    }
                }
                default -> {
                }
            }
        });
    }

    /** Throws {@link RelayConfigException} naming the first Debezium setting the relay sets itself and relies on. */
    static void checkDebezium(Map<String, String> debeziumSettings) {
        debeziumSettings.forEach((key, value) -> {
            String setting = RelayConfig.DEBEZIUM_PREFIX + envName(key);
            String reason = debeziumReason(key);
            if (reason != null) {
                throw setByRelay(setting, reason);
            }
            String text = value == null ? "" : value.strip();
            if (key.equals("slot.drop.on.stop") && !"false".equalsIgnoreCase(text)) {
                throw refused(setting, "must stay false: dropping the slot on stop loses every row committed while "
                        + "the relay is down, was '" + value + "'");
            }
            if (movesTheSlotOtherwise(key, text)) {
                throw refused(setting, "the slot must move only to transaction ends Kafka acknowledged, as the relay "
                        + "confirms them through Debezium (lsn.flush.mode=connector): 'manual' never moves it, so "
                        + "PostgreSQL keeps the WAL until its disk fills, and 'connector_and_driver' lets the driver "
                        + "move it on the server's keepalives; the relay moves an idle slot itself; was '" + value
                        + "'");
            }
        });
    }

    /** Debezium's LSN flushing other than its own on the relay's confirmations ({@code flush.lsn.source}: old name). */
    private static boolean movesTheSlotOtherwise(String key, String value) {
        return (key.equals("lsn.flush.mode") && !"connector".equalsIgnoreCase(value))
                || (key.equals("flush.lsn.source") && !"true".equalsIgnoreCase(value));
    }

    private static String debeziumReason(String key) {
        String exact = DEBEZIUM_SET_BY_RELAY.get(key);
        if (exact != null) {
            return exact;
        }
        for (var entry : DEBEZIUM_SET_BY_RELAY.entrySet()) {
            String guarded = entry.getKey();
            if (guarded.endsWith("*") && key.startsWith(guarded.substring(0, guarded.length() - 1))) {
                return entry.getValue();
            }
        }
        return null;
    }

    /** A setting the relay sets itself: whatever its value, it must go. */
    private static RelayConfigException setByRelay(String setting, String reason) {
        return new RelayConfigException(setting, "is refused: the relay sets it itself (" + reason + "). Remove it");
    }

    private static RelayConfigException refused(String setting, String problem) {
        return new RelayConfigException(setting, "is refused: " + problem);
    }

    private static boolean inRange(String text, int min, int max) {
        try {
            int number = Integer.parseInt(text);
            return number >= min && number <= max;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** {@code max.in.flight.requests.per.connection} → {@code MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION}. */
    private static String envName(String key) {
        return key.replace('.', '_').toUpperCase(Locale.ROOT);
    }
}
