package dev.outbox.relay.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outbox.relay.route.OutboxRow;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pgoutput-shaped messages become the outbox rows of each transaction and its end, whatever the column order. */
class OutboxTransactionsTest {

    private static final int OUTBOX = 16_384;
    private static final int OTHER = 16_400;

    private final OutboxTransactions transactions = new OutboxTransactions("public", "outbox");
    private final List<Object> handed = new ArrayList<>();
    private final ChangeStream.Handler handler = new ChangeStream.Handler() {
        @Override
        public void row(OutboxRow row) {
            handed.add(row);
        }

        @Override
        public void transactionEnd(long endPosition) {
            handed.add(endPosition);
        }
    };

    private void accept(PgOutputMessage... messages) throws Exception {
        for (PgOutputMessage message : messages) {
            transactions.accept(message, handler);
        }
    }

    @Test
    void outboxInsertsBecomeRowsPickedByColumnNameThenTheTransactionEnds() throws Exception {
        accept(new PgOutputMessage.Begin(0x500, 42, 7),
                new PgOutputMessage.Relation(OUTBOX, "public", "outbox", List.of("created_at", "headers", "payload",
                        "type", "aggregateid", "aggregatetype", "id", "extra")),
                new PgOutputMessage.Insert(OUTBOX, Arrays.asList("2026-12-03 10:00:00+00", null, "{\"n\": 1}",
                        "OrderPlaced", "o-1", "order", "e-1", "x")));
        assertThat(transactions.inTransaction()).isTrue();
        accept(new PgOutputMessage.Commit(0x500, 0x530, 42));

        assertThat(transactions.inTransaction()).isFalse();
        assertThat(handed).containsExactly(new OutboxRow("e-1", "order", "o-1", "OrderPlaced", "{\"n\": 1}", null,
                "2026-12-03 10:00:00+00", 0x500, 42, 7), 0x530L);
    }

    @Test
    void anotherTablesInsertsAreNotRowsButItsTransactionStillEnds() throws Exception {
        accept(new PgOutputMessage.Begin(0x600, 1, 8),
                new PgOutputMessage.Relation(OTHER, "public", "orders", List.of("id")),
                new PgOutputMessage.Insert(OTHER, List.of("1")),
                new PgOutputMessage.Ignored('U'),
                new PgOutputMessage.Commit(0x600, 0x640, 1));

        assertThat(handed).containsExactly(0x640L);
    }

    @Test
    void anOutboxTableWithoutARequiredColumnIsRefusedNamingIt() {
        assertThatThrownBy(() -> accept(new PgOutputMessage.Relation(OUTBOX, "public", "outbox",
                List.of("id", "aggregatetype", "aggregateid", "payload"))))
                .isInstanceOf(SourceCheckException.class)
                .hasMessageContaining("public.outbox has no column 'type'");
    }

    @Test
    void anOutboxInsertOutsideATransactionIsFatalNeverSkipped() throws Exception {
        accept(new PgOutputMessage.Relation(OUTBOX, "public", "outbox", List.of("id", "aggregatetype", "aggregateid",
                "type", "payload", "headers", "created_at")));

        assertThatThrownBy(() -> accept(new PgOutputMessage.Insert(OUTBOX, Arrays.asList("e-1", "order", "o-1",
                "OrderPlaced", "{}", null, null))))
                .isInstanceOf(SourceCheckException.class)
                .hasMessageContaining("arrived outside a transaction")
                .hasMessageContaining("PROVIDE_TRANSACTION_METADATA");
        assertThat(handed).isEmpty();
    }
}
