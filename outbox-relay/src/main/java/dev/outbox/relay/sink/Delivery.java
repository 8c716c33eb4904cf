package dev.outbox.relay.sink;

import dev.outbox.relay.route.Routing;

/**
 * How routed rows get into Kafka and which source position that makes safe to confirm: one contract, one
 * implementation per delivery mode, so the relay's loop reads source → route → deliver without asking which mode
 * it runs. Modelled on Debezium Server's sink loop: rows are sent as they come, acknowledgements are awaited in
 * order, and a position is reported processed only when every row before it is in Kafka.
 *
 * <p>Positions are source transaction ends only. The loop confirms the slot at {@link #confirmablePosition()} and
 * tells the delivery with {@link #confirmed(long)}. Used by the relay thread only, apart from
 * {@link #acknowledgementsOverdue()}.
 */
public interface Delivery extends AutoCloseable {

    /**
     * At-least-once: rows are sent as they are read, without waiting for the ones before them; the slot follows
     * Kafka's acknowledgements. At most {@code maxUnconfirmedRows} rows, and about {@code maxUnconfirmedBytes} of
     * them, are read past the confirmed position.
     */
    static Delivery atLeastOnce(KafkaSink sink, int maxUnconfirmedRows, long maxUnconfirmedBytes,
            KafkaSink.Listener listener) {
        return new AtLeastOnceDelivery(sink, maxUnconfirmedRows, maxUnconfirmedBytes, listener);
    }

    /**
     * Exactly-once: whole source transactions go into Kafka transactions, each with the source position it reaches,
     * closed at the first source transaction end past {@code maxRows} rows or about {@code maxBytes}; the slot
     * follows the committed position.
     */
    static Delivery exactlyOnce(KafkaSink transactionalSink, int maxRows, long maxBytes,
            KafkaSink.Listener listener, CommitHook hook) {
        return new ExactlyOnceDelivery(transactionalSink, maxRows, maxBytes, listener, hook);
    }

    /**
     * Whether the change stream may be opened (and hold the slot) before {@link #start()}: exactly-once must fence an
     * older instance first, and that one releases the slot only as it exits.
     */
    boolean streamMayOpenBeforeStart();

    /** Makes Kafka ready for delivery, once, before the first row (exactly-once: fences older instances). */
    void start();

    /**
     * A new read of the slot begins, at its confirmed position (after a reconnect or a retry): whatever was read
     * before and not confirmed comes again, so it is forgotten here.
     */
    void streamOpened();

    /** A routed row of the source transaction being read. May block while too much is on its way to Kafka. */
    void row(Routing routing) throws InterruptedException;

    /** The source transaction whose rows were all handed to {@link #row} ends at {@code endPosition}. */
    void transactionEnd(long endPosition) throws InterruptedException;

    /** The stream has nothing waiting for the moment: send what is held back, take what Kafka answered. */
    void streamPaused() throws InterruptedException;

    /** The end of the last source transaction whose rows are all in Kafka: the slot may be confirmed there. */
    long confirmablePosition();

    /**
     * The loop should confirm {@link #confirmablePosition()} at once rather than at its next confirmation interval
     * (a bound on what is read ahead was reached, or a Kafka transaction committed).
     */
    boolean confirmationUrgent();

    /** The slot was confirmed at {@code position}. */
    void confirmed(long position);

    /** Nothing read is still on its way to Kafka. */
    boolean isEmpty();

    /**
     * The relay is idle with nothing in flight and will confirm {@code position}, which the server reported passed:
     * a delivery that keeps its own copy of the position (exactly-once) moves it there first.
     */
    void idleAt(long position);

    /** The relay stops cleanly: delivers everything read and returns the position that reaches (0: none). */
    long finish() throws InterruptedException;

    /** Kafka has not answered for too long (safe to call from any thread): not ready. */
    boolean acknowledgementsOverdue();

    /** Closes the producer. */
    @Override
    void close();
}
