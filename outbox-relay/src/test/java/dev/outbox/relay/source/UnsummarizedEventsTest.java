package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.data.Envelope;
import io.debezium.pipeline.meters.CommonEventMeter;
import io.debezium.pipeline.source.spi.EventMetadataProvider;
import io.debezium.pipeline.spi.OffsetContext;
import io.debezium.relational.TableId;
import io.debezium.spi.schema.DataCollectionId;
import io.debezium.util.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.junit.jupiter.api.Test;

/**
 * Debezium's event meter, given the relay's provider, counts events as before but no longer asks for (or prints)
 * a summary of each; the rest of the metadata still comes from Debezium's provider.
 */
class UnsummarizedEventsTest {

    private final RecordingProvider debezium = new RecordingProvider();
    private final TableId outbox = new TableId(null, "public", "outbox");

    @Test
    void theMeterCountsEventsWithoutSummarizingThem() throws Exception {
        CommonEventMeter meter = new CommonEventMeter(Clock.SYSTEM, debezium);
        UnsummarizedEvents.install(meter);

        meter.onEvent(outbox, null, null, null, Envelope.Operation.CREATE);
        meter.onEvent(outbox, null, null, null, Envelope.Operation.CREATE);

        assertThat(meter.getTotalNumberOfCreateEventsSeen()).isEqualTo(2);
        assertThat(meter.getLastEvent()).isEqualTo(UnsummarizedEvents.SUMMARY);
        assertThat(debezium.calls).doesNotContain("toSummaryString");
    }

    @Test
    void installingTwiceWrapsOnce() throws Exception {
        CommonEventMeter meter = new CommonEventMeter(Clock.SYSTEM, debezium);
        UnsummarizedEvents.install(meter);
        UnsummarizedEvents.install(meter);

        meter.onEvent(outbox, null, null, null, Envelope.Operation.CREATE);

        assertThat(meter.getLastEvent()).isEqualTo(UnsummarizedEvents.SUMMARY);
    }

    @Test
    void positionsTimestampsAndTransactionsStillComeFromDebezium() throws Exception {
        CommonEventMeter meter = new CommonEventMeter(Clock.SYSTEM, debezium);
        UnsummarizedEvents.install(meter);
        java.lang.reflect.Field field = CommonEventMeter.class.getDeclaredField("metadataProvider");
        field.setAccessible(true);
        EventMetadataProvider installed = (EventMetadataProvider) field.get(meter);

        assertThat(installed.getEventSourcePosition(outbox, null, null, null)).containsEntry("lsn", "42");
        assertThat(installed.getTransactionId(outbox, null, null, null)).isEqualTo("tx-7");
        assertThat(installed.getEventTimestamp(outbox, null, null, null)).isEqualTo(Instant.EPOCH);
        assertThat(installed.getTransactionInfo(outbox, null, null, null).getTransactionId()).isEqualTo("tx-7");
    }

    private static final class RecordingProvider implements EventMetadataProvider {

        final List<String> calls = new ArrayList<>();

        @Override
        public Instant getEventTimestamp(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
            calls.add("getEventTimestamp");
            return Instant.EPOCH;
        }

        @Override
        public Map<String, String> getEventSourcePosition(DataCollectionId source, OffsetContext offset, Object key,
                Struct value) {
            calls.add("getEventSourcePosition");
            return Map.of("lsn", "42");
        }

        @Override
        public String getTransactionId(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
            calls.add("getTransactionId");
            return "tx-7";
        }

        @Override
        public String toSummaryString(DataCollectionId source, OffsetContext offset, Object key, Struct value) {
            calls.add("toSummaryString");
            return "summary";
        }
    }
}
