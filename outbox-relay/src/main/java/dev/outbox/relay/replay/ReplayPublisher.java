package dev.outbox.relay.replay;

import dev.outbox.relay.route.OutboxRow;
import dev.outbox.relay.route.Router;
import dev.outbox.relay.route.Routing;
import dev.outbox.relay.sink.KafkaSink;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.Headers;

/**
 * Sends rows through the relay's router and sink, as the relay does at-least-once: each row becomes its record (or
 * its dead letter), marked as replayed; rows are sent without waiting for the ones before them, and Kafka's
 * acknowledgements are taken strictly in send order (one idempotent producer, one request in flight per
 * connection: each partition keeps the order rows were handed over, i.e. commit order).
 */
final class ReplayPublisher implements OutboxTable.RowHandler {

    /** Marks a replayed record; its value is {@code true}. */
    static final String REPLAYED = "replayed";
    /** When the replay ran (ISO-8601 instant). */
    static final String REPLAYED_AT = "replayed_at";
    /** The operator's {@code --reason}. */
    static final String REPLAY_REASON = "replay_reason";

    /** Rows sent and not yet acknowledged, at most. */
    private static final int WINDOW = 5_000;

    private final Router router;
    private final KafkaSink sink;
    private final byte[] replayedAt;
    private final byte[] reason;
    private final String provenance;
    private final Deque<Sent> unacknowledged = new ArrayDeque<>();

    ReplayPublisher(Router router, KafkaSink sink, Instant replayedAt, String reason) {
        this.router = router;
        this.sink = sink;
        this.replayedAt = utf8(replayedAt.toString());
        this.reason = utf8(reason);
        this.provenance = "replayed at " + replayedAt + " (" + reason + "): ";
    }

    @Override
    public void row(OutboxRow row) throws InterruptedException {
        Routing routing = replayed(router.route(row));
        unacknowledged.addLast(new Sent(routing, sink.send(routing)));
        if (unacknowledged.size() >= WINDOW) {
            awaitOldest();
        }
    }

    /** Waits until Kafka has acknowledged (or dead-lettered) every row sent. */
    void finish() throws InterruptedException {
        while (!unacknowledged.isEmpty()) {
            awaitOldest();
        }
    }

    private void awaitOldest() throws InterruptedException {
        Sent oldest = unacknowledged.removeFirst();
        try {
            sink.awaitAcknowledged(oldest.routing(), oldest.ack());
        } catch (KafkaSink.RetryFromSlotException e) {
            throw new IllegalStateException("Kafka did not accept outbox row " + oldest.routing().row().id()
                    + " (" + e.getCause() + "); the rows before it in commit order are in Kafka. Run the same replay "
                    + "again once Kafka is healthy: consumers deduplicate by the id header", e);
        }
    }

    /**
     * The routing with the replay's provenance: on a record, the headers {@code replayed}, {@code replayed_at} and
     * {@code replay_reason} (replacing any of that name from the headers column); on a dead letter, in its reason.
     */
    Routing replayed(Routing routing) {
        return switch (routing) {
            case Routing.Deliver deliver -> {
                Headers headers = deliver.record().headers();
                headers.remove(REPLAYED).remove(REPLAYED_AT).remove(REPLAY_REASON);
                headers.add(REPLAYED, utf8("true")).add(REPLAYED_AT, replayedAt).add(REPLAY_REASON, reason);
                yield deliver;
            }
            case Routing.DeadLetter dead -> new Routing.DeadLetter(dead.row(), provenance + dead.reason(),
                    dead.exceptionClass());
        };
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private record Sent(Routing routing, Future<RecordMetadata> ack) {
    }
}
