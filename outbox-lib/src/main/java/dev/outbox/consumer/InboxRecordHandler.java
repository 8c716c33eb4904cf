package dev.outbox.consumer;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.outbox.OutboxHeaders;
import dev.outbox.internal.ConsumedScope;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbox transaction of one record or of several: choose each record's handler by {@code ce_type}, read its JSON
 * value, then in one transaction insert the inbox rows of all (one statement) and, record after record, run the
 * handler of each whose row was not there already.
 */
final class InboxRecordHandler implements RecordHandler {

    private static final Logger log = LoggerFactory.getLogger(InboxRecordHandler.class);

    private final String group;
    private final Map<String, EventConsumer.Builder.Registration<?>> handlers;
    private final boolean ignoreUnknownTypes;
    private final Set<String> ignoredTypes;
    private final ObjectMapper mapper;
    private final InboxTransactions transactions;
    private final ConsumerMetrics metrics;

    InboxRecordHandler(EventConsumer.Builder settings, ObjectMapper mapper, InboxTransactions transactions,
                       ConsumerMetrics metrics) {
        this.group = settings.group;
        this.handlers = Map.copyOf(settings.handlers);
        this.ignoreUnknownTypes = settings.ignoreUnknownTypes;
        this.ignoredTypes = Set.copyOf(settings.ignoredTypes);
        this.mapper = mapper;
        this.transactions = transactions;
        this.metrics = metrics;
    }

    @Override
    public Outcome handle(ConsumerRecord<byte[], byte[]> record) throws Exception {
        return handleAll(List.of(record)).get(0);
    }

    /**
     * Reads every record first (a record that cannot be read fails the call before any transaction), then applies
     * those of interest in one transaction, in order; counts the outcomes once that transaction committed.
     */
    @Override
    public List<Outcome> handleAll(List<ConsumerRecord<byte[], byte[]>> records) throws Exception {
        List<Delivery> deliveries = new ArrayList<>(records.size());
        for (ConsumerRecord<byte[], byte[]> record : records) {
            deliveries.add(read(record));
        }
        List<Outcome> outcomes = new ArrayList<>(records.size());
        if (deliveries.stream().anyMatch(delivery -> delivery != null)) {
            transactions.inTransaction(connection -> {
                outcomes.clear(); // an implementation may run the work again after a rollback
                Set<UUID> firstDeliveries = new HashSet<>(Inbox.firstDeliveries(connection, group,
                        deliveries.stream().filter(Objects::nonNull).map(d -> d.context().eventId()).toList()));
                for (Delivery delivery : deliveries) {
                    // remove: an event id twice in one batch is applied at its first occurrence only
                    outcomes.add(delivery == null ? Outcome.IGNORED
                            : firstDeliveries.remove(delivery.context().eventId()) ? apply(connection, delivery)
                            : Outcome.DUPLICATE);
                }
            });
        } else {
            deliveries.forEach(delivery -> outcomes.add(Outcome.IGNORED));
        }
        for (int i = 0; i < records.size(); i++) {
            count(records.get(i), deliveries.get(i), outcomes.get(i));
        }
        return outcomes;
    }

    @Override
    public boolean alreadyApplied(ConsumerRecord<byte[], byte[]> record) throws Exception {
        UUID eventId = Inbox.eventId(record.headers()).orElse(null);
        if (eventId == null) {
            return false;
        }
        AtomicBoolean applied = new AtomicBoolean();
        transactions.inTransaction(connection -> applied.set(Inbox.applied(connection, group, eventId)));
        return applied.get();
    }

    /** A record read and matched to its handler, ready to apply. */
    private record Delivery(EventConsumer.Builder.Registration<?> registration, Object event, ConsumedEvent context) {
    }

    /** The record's delivery, or null when its type is ignored; throws when it cannot be handled at all. */
    private Delivery read(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = headers(record);
        String type = firstNonBlank(headers.get(OutboxHeaders.KAFKA_CE_TYPE), headers.get("type"));
        UUID eventId = eventId(record);
        if (type == null) {
            throw new NonRetriableException("record has no ce_type header: cannot choose a handler");
        }
        EventConsumer.Builder.Registration<?> registration = handlers.get(type);
        if (registration == null) {
            if (ignoreUnknownTypes || ignoredTypes.contains(type)) {
                return null;
            }
            throw new NonRetriableException("no handler registered for event type " + type);
        }
        Object event = read(record, registration, type);
        ConsumedEvent context = new ConsumedEvent(eventId, type, record.topic(), record.partition(), record.offset(),
                record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                Instant.ofEpochMilli(record.timestamp()), headers);
        return new Delivery(registration, event, context);
    }

    /** Runs the handler of a first delivery (its inbox row inserted) in the caller's transaction. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private Outcome apply(Connection connection, Delivery delivery) throws Exception {
        ConsumedEvent context = delivery.context();
        DSLContext tx = DSL.using(connection, SQLDialect.POSTGRES);
        EventHandler handler = delivery.registration().handler();
        long start = System.nanoTime();
        try {
            ConsumedScope.callWithin(new ConsumedScope.Inherited(context.eventId(), context.headers()), () -> {
                handler.handle(tx, delivery.event(), context);
                return null;
            });
        } finally {
            metrics.handlerTimer(context.topic()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        }
        return Outcome.APPLIED;
    }

    private void count(ConsumerRecord<byte[], byte[]> record, Delivery delivery, Outcome outcome) {
        switch (outcome) {
            case IGNORED -> {
                metrics.increment(ConsumerMetrics.IGNORED, record.topic());
                log.debug("Ignoring {} from {}", Inbox.eventId(record.headers()).orElse(null), record.topic());
            }
            case DUPLICATE -> {
                metrics.increment(ConsumerMetrics.DUPLICATES, record.topic());
                log.debug("Skipping duplicate {} {} ({}-{}@{})", delivery.context().type(), delivery.context().eventId(),
                        record.topic(), record.partition(), record.offset());
            }
            case APPLIED -> metrics.increment(ConsumerMetrics.PROCESSED, record.topic());
        }
    }

    private Object read(ConsumerRecord<byte[], byte[]> record, EventConsumer.Builder.Registration<?> registration,
                        String type) {
        if (record.value() == null) {
            throw new NonRetriableException("record of type " + type + " has no value");
        }
        try {
            return mapper.readValue(record.value(), registration.eventClass());
        } catch (Exception e) {
            throw new NonRetriableException("cannot read " + type + " into " + registration.eventClass().getName()
                    + ": " + e.getMessage(), e);
        }
    }

    private static UUID eventId(ConsumerRecord<byte[], byte[]> record) {
        return Inbox.eventId(record.headers()).orElseThrow(() -> new NonRetriableException(
                "record has no id header holding a UUID: cannot deduplicate it"));
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            if (header.value() != null) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return headers;
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }
}
