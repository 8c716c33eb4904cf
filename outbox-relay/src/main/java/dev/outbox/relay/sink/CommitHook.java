package dev.outbox.relay.sink;

/**
 * Called around each exactly-once Kafka transaction that carries rows; crash tests halt the process at these points.
 * Production uses {@link #NONE}.
 */
public interface CommitHook {

    CommitHook NONE = new CommitHook() {
        @Override
        public void beforeCommit(int rows) {
        }

        @Override
        public void afterCommit(int rows, long endPosition) {
        }
    };

    /** Every record and the position are sent, the transaction is not committed yet. */
    void beforeCommit(int rows);

    /** The transaction reaching {@code endPosition} is committed in Kafka; the slot is not confirmed yet. */
    void afterCommit(int rows, long endPosition);
}
