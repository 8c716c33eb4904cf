package dev.outbox.relay.route;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns an outbox row into the Kafka record of the contract (docs/design.md, "Kafka record contract"), or into a dead
 * letter when it cannot be one. A pure function: no I/O.
 *
 * <ul>
 *   <li>topic: the template with {@code ${aggregatetype}} (and {@code ${type}}) replaced;</li>
 *   <li>key: aggregateid as UTF-8; value: the payload JSON text as PostgreSQL prints the jsonb, UTF-8;</li>
 *   <li>headers: {@code id}, each entry of the headers column (strings as they are, other JSON values as JSON
 *       text), and CloudEvents binary-mode attributes {@code ce_specversion}, {@code ce_id}, {@code ce_type},
 *       {@code ce_source}, {@code ce_subject}, {@code ce_time}, and {@code content-type}.</li>
 * </ul>
 *
 * <p>Reserved header names: the relay's own headers ({@code id}, every {@code ce_*}, {@code content-type}, compared
 * ignoring case) are never taken from the headers column, so a record never carries two of them: the relay's value
 * wins and the column's entry is dropped (logged at debug).
 *
 * <p>Reserved topics: a row whose topic comes out as the dead-letter topic or the exactly-once position topic is a
 * dead letter (a constant template naming one is refused when the relay starts, see {@code RelayConfig}).
 */
public final class Router {

    private static final Logger log = LoggerFactory.getLogger(Router.class);
    private static final Pattern LEGAL_TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final DateTimeFormatter POSTGRES_TIMESTAMPTZ = new DateTimeFormatterBuilder()
            .appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .appendPattern("[XXX][XX][X]")
            .toFormatter();

    private static final byte[] SPEC_VERSION = utf8("1.0");
    private static final byte[] CONTENT_TYPE = utf8("application/json");
    /** Enough for every topic of a sane outbox; past it topics are still checked, just not remembered. */
    private static final int LEGAL_TOPICS_REMEMBERED = 10_000;

    private final String topicTemplate;
    private final byte[] ceSource;
    private final int maxRecordBytes;
    private final Set<String> reservedTopics;
    private final ObjectMapper json = new ObjectMapper();
    /** Topic names already found legal: matching the pattern took about a third of the routing's CPU. */
    private final Set<String> legalTopics = ConcurrentHashMap.newKeySet();

    /**
     * @param maxRecordBytes the producer's {@code max.request.size}: a bigger record is a dead letter
     * @param reservedTopics topics no row may be routed to (the dead-letter and the position topic): such a row is a
     *                       dead letter
     */
    public Router(String topicTemplate, String ceSource, int maxRecordBytes, Set<String> reservedTopics) {
        this.topicTemplate = topicTemplate;
        this.ceSource = utf8(ceSource);
        this.maxRecordBytes = maxRecordBytes;
        this.reservedTopics = Set.copyOf(reservedTopics);
    }

    public Routing route(OutboxRow row) {
        if (row.aggregateType() == null || row.aggregateType().isBlank()) {
            return deadLetter(row, "aggregatetype is blank: no topic can be derived");
        }
        if (row.aggregateId() == null || row.aggregateId().isBlank()) {
            return deadLetter(row, "aggregateid is blank: the record would have no key, so no per-aggregate order");
        }
        String topic = topicTemplate.replace("${aggregatetype}", row.aggregateType())
                .replace("${type}", row.type() == null ? "" : row.type());
        if (!legalTopics.contains(topic)) {
            if (!LEGAL_TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
                return new Routing.DeadLetter(row, "topic name '" + topic + "' is not legal in Kafka (1-249 of "
                        + "[A-Za-z0-9._-])", "org.apache.kafka.common.errors.InvalidTopicException");
            }
            if (reservedTopics.contains(topic)) {
                return deadLetter(row, "topic '" + topic + "' is reserved (the dead-letter or the exactly-once "
                        + "position topic): OUTBOX_TOPIC_TEMPLATE may not route a row there");
            }
            if (legalTopics.size() < LEGAL_TOPICS_REMEMBERED) {
                legalTopics.add(topic);
            }
        }
        RecordHeaders headers = new RecordHeaders();
        byte[] id = utf8(row.id());
        headers.add("id", id);
        if (!isEmptyObject(row.headers())) {
            try {
                JsonNode extra = json.readTree(row.headers());
                for (Iterator<Map.Entry<String, JsonNode>> it = extra.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> entry = it.next();
                    if (isReservedHeader(entry.getKey())) {
                        log.debug("outbox row {}: header '{}' of the headers column dropped, the relay sets it",
                                row.id(), entry.getKey());
                        continue;
                    }
                    JsonNode value = entry.getValue();
                    headers.add(entry.getKey(), utf8(value.isTextual() ? value.asText() : value.toString()));
                }
            } catch (JsonProcessingException e) {
                return new Routing.DeadLetter(row, "headers column is not a JSON object: " + e.getOriginalMessage(),
                        e.getClass().getName());
            }
        }
        byte[] key = utf8(row.aggregateId());
        // Shared arrays: Kafka copies header values into the record batch and never writes to them.
        headers.add("ce_specversion", SPEC_VERSION);
        headers.add("ce_id", id);
        headers.add("ce_type", utf8(row.type()));
        headers.add("ce_source", ceSource);
        headers.add("ce_subject", key);
        headers.add("ce_time", utf8(rfc3339(row.createdAt())));
        headers.add("content-type", CONTENT_TYPE);
        byte[] value = utf8(row.payload());
        int size = key.length + value.length + topic.length() + 128;
        for (var header : headers) {
            size += header.key().length() + header.value().length + 8;
        }
        if (size > maxRecordBytes) {
            return new Routing.DeadLetter(row, "record of about " + size + " bytes is over the producer's "
                    + "max.request.size of " + maxRecordBytes + " bytes",
                    "org.apache.kafka.common.errors.RecordTooLargeException");
        }
        return new Routing.Deliver(row, new ProducerRecord<>(topic, null, row.commitTimeEpochMillis(), key, value,
                headers));
    }

    /** {@code id}, {@code ce_*} and {@code content-type}, ignoring case: headers only the relay sets. */
    static boolean isReservedHeader(String name) {
        return name.equalsIgnoreCase("id") || name.equalsIgnoreCase("content-type")
                || name.regionMatches(true, 0, "ce_", 0, 3);
    }

    /** No headers column, or the empty object PostgreSQL prints for {@code '{}'::jsonb}: nothing to parse. */
    private static boolean isEmptyObject(String json) {
        return json == null || json.equals("{}");
    }

    private static Routing deadLetter(OutboxRow row, String reason) {
        return new Routing.DeadLetter(row, reason, IllegalArgumentException.class.getName());
    }

    /** PostgreSQL prints timestamptz as {@code 2026-11-23 21:40:01.123456+00}; CloudEvents wants RFC 3339. */
    static String rfc3339(String postgresTimestamp) {
        if (postgresTimestamp == null) {
            return "";
        }
        if (postgresTimestamp.length() > 10 && postgresTimestamp.charAt(10) == 'T') {
            return postgresTimestamp; // already RFC 3339 (the Debezium source converts created_at itself)
        }
        try {
            return OffsetDateTime.parse(postgresTimestamp, POSTGRES_TIMESTAMPTZ).toInstant().toString();
        } catch (DateTimeParseException e) {
            return postgresTimestamp;
        }
    }

    static byte[] utf8(String text) {
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }
}
