package dev.outbox.sample.inventory;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outbox.sample.support.ServiceSchema;
import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.OutboxInfraTest;
import dev.outbox.testkit.TestDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ledger's one-statement Try and its moves against a real PostgreSQL, with writers side by side: what one
 * statement reserves must never oversell, be all or nothing, and leave the stock's sums whole.
 */
@OutboxInfraTest
class StockLedgerIT {

    static DSLContext db;

    @BeforeAll
    static void migrate(TestDatabase database) {
        OutboxSchema.migrateLibrary(database.dataSource(), "outbox_publication");
        ServiceSchema.migrate(database.dataSource(), "inventory");
        db = database.dsl();
    }

    @Test
    void aTryReservesEveryLineOrNothingAndNamesWhatDidNotFit() {
        db.execute("INSERT INTO stock (sku, unit_price_cents, available) VALUES ('L-A', 250, 5), ('L-B', 100, 1)");
        UUID fits = UUID.randomUUID();

        StockLedger.Reservation reserved = db.transactionResult(c ->
                StockLedger.reserve(c.dsl(), fits, new TreeMap<>(Map.of("L-B", 1, "L-A", 2))));
        StockLedger.Reservation tooMuch = db.transactionResult(c ->
                StockLedger.reserve(c.dsl(), UUID.randomUUID(), new TreeMap<>(Map.of("L-A", 1, "L-B", 1))));
        StockLedger.Reservation unknown = db.transactionResult(c ->
                StockLedger.reserve(c.dsl(), UUID.randomUUID(), new TreeMap<>(Map.of("L-A", 1, "L-NONE", 1))));

        assertThat(reserved.refusal()).isNull();
        assertThat(reserved.lines()).extracting(InventoryEvent.StockReserved.Line::sku).containsExactly("L-A", "L-B");
        assertThat(reserved.totalCents()).isEqualTo(2 * 250 + 100);
        assertThat(tooMuch.refusal()).isEqualTo("insufficient stock for sku L-B: 1 requested");
        assertThat(unknown.refusal()).isEqualTo("unknown sku L-NONE");
        assertThat(db.fetchOne("SELECT available, reserved FROM stock WHERE sku = 'L-A'").intoArray())
                .containsExactly(3, 2);
        assertThat(db.fetchOne("SELECT count(*) FROM reservation WHERE sku LIKE 'L-%'").get(0, Integer.class))
                .isEqualTo(2);
    }

    @Test
    void writersSideBySideNeverOversellAndKeepEveryUnitAccountedFor() throws Exception {
        db.execute("INSERT INTO stock (sku, unit_price_cents, available) VALUES ('C-A', 10, 40), ('C-B', 10, 40), "
                + "('C-C', 10, 40)");
        List<Callable<Boolean>> writers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Map<String, Integer> wanted = new TreeMap<>(i % 3 == 0 ? Map.of("C-A", 2, "C-C", 1)
                    : i % 3 == 1 ? Map.of("C-C", 2, "C-B", 1) : Map.of("C-A", 1, "C-B", 2, "C-C", 1));
            boolean releaseAfterwards = i % 4 == 0;
            writers.add(() -> reserveThenMaybeRelease(wanted, releaseAfterwards));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        int reservedOrders = 0;
        try {
            for (Future<Boolean> outcome : pool.invokeAll(writers)) {
                reservedOrders += outcome.get() ? 1 : 0;
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(reservedOrders).isPositive().isLessThan(60);
        for (String sku : List.of("C-A", "C-B", "C-C")) {
            var row = db.fetchOne("SELECT available, reserved, sold FROM stock WHERE sku = ?", sku);
            int available = row.get(0, Integer.class);
            int reserved = row.get(1, Integer.class);
            assertThat(available).as(sku).isNotNegative();
            assertThat(available + reserved).as(sku).isEqualTo(40);
            int held = db.fetchOne("SELECT coalesce(sum(quantity), 0) FROM reservation "
                    + "WHERE sku = ? AND status = 'RESERVED'", sku).get(0, Integer.class);
            assertThat(held).as(sku).isEqualTo(reserved);
        }
    }

    private static boolean reserveThenMaybeRelease(Map<String, Integer> wanted, boolean release) {
        UUID orderId = UUID.randomUUID();
        boolean reserved = db.transactionResult(c -> StockLedger.reserve(c.dsl(), orderId, wanted).reserved());
        if (reserved && release) {
            db.transaction(c -> {
                StockLedger.Moved moved = StockLedger.move(DSL.using(c), orderId, StockLedger.Move.RELEASED);
                assertThat(moved.moved()).hasSize(wanted.size());
            });
        }
        return reserved;
    }
}
