package dev.outbox.relay.source;

import io.debezium.pipeline.ChangeEventSourceCoordinator;
import io.debezium.pipeline.meters.CommonEventMeter;
import io.debezium.pipeline.metrics.PipelineMetrics;
import io.debezium.pipeline.source.spi.EventMetadataProvider;
import io.debezium.pipeline.spi.OffsetContext;
import io.debezium.pipeline.txmetadata.TransactionInfo;
import io.debezium.spi.schema.DataCollectionId;
import java.lang.reflect.Field;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Debezium's streaming thread from printing every event for its {@code LastEvent} metric.
 *
 * <p>Why: for each row Debezium's streaming metrics render the event's source position and key as text (through
 * its schema printer and Jackson) only to keep the newest one as a JMX attribute the relay never reads. In a fresh
 * JVM that is about a fifth of the streaming thread's samples while it is still interpreted, and it loads and
 * compiles a JSON stack nothing else on that thread needs, so the thread falls behind 1,000 events/s for seconds.
 * Debezium gives no setting for it: {@link #install} replaces the metadata provider of the streaming metrics'
 * event meter with one whose summary is {@link #SUMMARY}; everything else (positions, transaction ids, timestamps)
 * still comes from Debezium's provider. Should Debezium's internals differ, the relay logs that once and keeps
 * Debezium's summaries.
 */
final class UnsummarizedEvents implements EventMetadataProvider {

    /** What Debezium's {@code LastEvent} metric shows with the relay. */
    static final String SUMMARY = "not kept by outbox-relay";

    private static final Logger log = LoggerFactory.getLogger(UnsummarizedEvents.class);

    private final EventMetadataProvider debezium;

    private UnsummarizedEvents(EventMetadataProvider debezium) {
        this.debezium = debezium;
    }

    /** Puts the summary-less provider into the coordinator's streaming metrics (they exist once it started). */
    static void install(ChangeEventSourceCoordinator<?, ?> coordinator) {
        try {
            Object metrics = accessible(ChangeEventSourceCoordinator.class, "streamingMetrics").get(coordinator);
            if (!(metrics instanceof PipelineMetrics<?>)) {
                throw new IllegalStateException("streaming metrics of " + (metrics == null ? "no" : metrics.getClass())
                        + " type");
            }
            install((CommonEventMeter) accessible(PipelineMetrics.class, "commonEventMeter").get(metrics));
            log.debug("Debezium's streaming metrics keep no summary of the last event");
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("Debezium's streaming thread keeps printing every event for its LastEvent metric, so a fresh "
                    + "relay catches up with its first rows later (this Debezium version differs from the one the "
                    + "relay was built with: {})", e.toString());
        }
    }

    /** Wraps the meter's provider unless already wrapped. */
    static void install(CommonEventMeter meter) throws ReflectiveOperationException {
        Field provider = accessible(CommonEventMeter.class, "metadataProvider");
        EventMetadataProvider current = (EventMetadataProvider) provider.get(meter);
        if (!(current instanceof UnsummarizedEvents)) {
            provider.set(meter, new UnsummarizedEvents(current));
        }
    }

    @Override
    public String toSummaryString(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
        return SUMMARY;
    }

    @Override
    public Instant getEventTimestamp(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
        return debezium.getEventTimestamp(source, offset, key, value);
    }

    @Override
    public Map<String, String> getEventSourcePosition(DataCollectionId source, OffsetContext offset, Object key,
            Struct value) {
        return debezium.getEventSourcePosition(source, offset, key, value);
    }

    @Override
    public String getTransactionId(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
        return debezium.getTransactionId(source, offset, key, value);
    }

    @Override
    public TransactionInfo getTransactionInfo(DataCollectionId source, OffsetContext offset, Object key,
            Struct value) {
        return debezium.getTransactionInfo(source, offset, key, value);
    }

    private static Field accessible(Class<?> owner, String name) throws NoSuchFieldException {
        Field field = owner.getDeclaredField(name);
        field.setAccessible(true);
        return field;
    }
}
