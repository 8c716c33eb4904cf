package dev.outbox.sample.inventory;

import dev.outbox.sample.inventory.InventoryEvent.StockReserved;
import dev.outbox.sample.support.Sql;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The inventory's stock and reservation rows, moved in as few round trips as the rules allow: the consumer applies
 * its events one after the other on one thread, so each statement it waits for is time no other order gets.
 * Stock rows are always locked in sku order, the order every writer takes them in, so writers never deadlock on them.
 */
final class StockLedger {

    /**
     * The Try's first step: lock the order's stock rows in sku order. Once locked, what they hold cannot change
     * before this transaction ends, so the second statement ({@link #TAKE_AND_HOLD}) needs no condition of its own.
     */
    private static final String LOCK_STOCK = """
            SELECT sku, available, unit_price_cents FROM stock WHERE sku = ANY(?::text[]) ORDER BY sku FOR UPDATE""";

    /** The Try's second step, when every line fits: take the units and insert the reservations, one statement. */
    private static final String TAKE_AND_HOLD = """
            WITH wanted AS MATERIALIZED (
                SELECT sku, quantity FROM unnest(?::text[], ?::int[]) AS w (sku, quantity)
            ), taken AS (
                UPDATE stock s SET available = s.available - w.quantity, reserved = s.reserved + w.quantity,
                                   updated_at = now()
                FROM wanted w WHERE s.sku = w.sku
            )
            INSERT INTO reservation (order_id, sku, quantity, status)
            SELECT ?::uuid, sku, quantity, 'RESERVED' FROM wanted""";

    /**
     * Moves the order's RESERVED rows to a new status; returns them (status MOVED) with the order's other rows as
     * they were, so one round trip tells what moved, what was released before, and whether there is any reservation.
     */
    private static final String MOVE_RESERVED = """
            WITH moved AS (
                UPDATE reservation SET status = ?, updated_at = now()
                WHERE order_id = ? AND status = 'RESERVED'
                RETURNING sku, quantity
            )
            SELECT sku, quantity, 'MOVED' AS status FROM moved
            UNION ALL
            SELECT sku, quantity, status FROM reservation WHERE order_id = ? AND status <> 'RESERVED'
            ORDER BY sku""";

    private static final String SELL_RESERVED = """
            UPDATE stock SET reserved = reserved - ?, sold = sold + ?, updated_at = now() WHERE sku = ?""";
    private static final String RETURN_RESERVED = """
            UPDATE stock SET reserved = reserved - ?, available = available + ?, updated_at = now() WHERE sku = ?""";

    private StockLedger() {
    }

    /** What a Try did: the lines reserved at their prices, or why nothing was reserved. */
    record Reservation(List<StockReserved.Line> lines, long totalCents, String refusal) {

        boolean reserved() {
            return refusal == null;
        }
    }

    /** Where a reservation goes when it leaves RESERVED, and what happens to its units. */
    enum Move {
        COMMITTED(SELL_RESERVED),
        RELEASED(RETURN_RESERVED);

        private final String stockUpdate;

        Move(String stockUpdate) {
            this.stockUpdate = stockUpdate;
        }
    }

    /** The order's reservation rows after a move: those that moved now and those released earlier. */
    record Moved(List<Line> moved, List<Line> releasedBefore, boolean anyReservation) {
    }

    /** One reservation row. */
    record Line(String sku, int quantity) {
    }

    /** A reservation row with its status and the stock's current unit price. */
    record PricedReservation(String sku, int quantity, String status, long unitPriceCents) {
    }

    /** A stock row as locked by the Try. */
    private record LockedStock(String sku, int available, long unitPriceCents) {
    }

    /**
     * Reserves every line of {@code wanted} (sku → quantity, in sku order) for the order, or nothing, in two round
     * trips whatever the number of lines. The refusal names the first unknown sku, else the first sku without the
     * quantity available.
     */
    static Reservation reserve(DSLContext tx, UUID orderId, Map<String, Integer> wanted) {
        String[] skus = wanted.keySet().toArray(String[]::new);
        Map<String, LockedStock> locked = new HashMap<>();
        for (LockedStock row : Sql.query(tx, LOCK_STOCK,
                r -> new LockedStock(r.getString(1), r.getInt(2), r.getLong(3)), (Object) skus)) {
            locked.put(row.sku(), row);
        }
        for (String sku : skus) {
            if (!locked.containsKey(sku)) {
                return refused("unknown sku " + sku);
            }
        }
        List<StockReserved.Line> lines = new ArrayList<>(skus.length);
        long total = 0;
        for (Map.Entry<String, Integer> line : wanted.entrySet()) {
            LockedStock stock = locked.get(line.getKey());
            int quantity = line.getValue();
            if (stock.available() < quantity) {
                return refused("insufficient stock for sku " + line.getKey() + ": " + quantity + " requested");
            }
            long price = stock.unitPriceCents();
            lines.add(new StockReserved.Line(line.getKey(), quantity, price));
            total = Math.addExact(total, Math.multiplyExact(price, (long) quantity));
        }
        Sql.execute(tx, TAKE_AND_HOLD, skus, wanted.values().toArray(Integer[]::new), orderId);
        return new Reservation(List.copyOf(lines), total, null);
    }

    private static Reservation refused(String reason) {
        return new Reservation(List.of(), 0, reason);
    }

    /**
     * Moves the order's RESERVED rows and their units ({@link Move}), in two round trips whatever the number of
     * lines.
     */
    static Moved move(DSLContext tx, UUID orderId, Move move) {
        List<PricedReservation> rows = Sql.query(tx, MOVE_RESERVED,
                r -> new PricedReservation(r.getString(1), r.getInt(2), r.getString(3), 0), move.name(), orderId,
                orderId);
        List<Line> moved = new ArrayList<>();
        List<Line> released = new ArrayList<>();
        for (PricedReservation row : rows) {
            Line line = new Line(row.sku(), row.quantity());
            switch (row.status()) {
                case "MOVED" -> moved.add(line);
                case "RELEASED" -> released.add(line);
                default -> { }
            }
        }
        List<Object[]> stockUpdates = new ArrayList<>(moved.size());
        moved.forEach(line -> stockUpdates.add(new Object[] {line.quantity(), line.quantity(), line.sku()}));
        Sql.executeBatch(tx, move.stockUpdate, stockUpdates);
        return new Moved(moved, released, !rows.isEmpty());
    }

    /** The reservations of an order as they stand, in sku order, with the stock's current unit prices. */
    static List<PricedReservation> reservationsWithPrices(DSLContext tx, UUID orderId) {
        return Sql.query(tx, """
                SELECT r.sku, r.quantity, r.status, s.unit_price_cents
                FROM reservation r JOIN stock s USING (sku) WHERE r.order_id = ? ORDER BY r.sku""",
                r -> new PricedReservation(r.getString(1), r.getInt(2), r.getString(3), r.getLong(4)), orderId);
    }

    /** The reserved lines at the given rows' prices. */
    static List<StockReserved.Line> pricedLines(Collection<PricedReservation> reservations) {
        return reservations.stream()
                .map(r -> new StockReserved.Line(r.sku(), r.quantity(), r.unitPriceCents()))
                .toList();
    }

    static long total(List<StockReserved.Line> lines) {
        long total = 0;
        for (StockReserved.Line line : lines) {
            total = Math.addExact(total, Math.multiplyExact(line.unitPriceCents(), (long) line.quantity()));
        }
        return total;
    }

    /**
     * Sells released lines of a confirmed order again from the available stock, all or nothing (in sku order); null
     * when done, else why not.
     */
    static String takeAgain(DSLContext tx, UUID orderId, List<Line> released) {
        Sql.execute(tx, "SAVEPOINT take_again");
        int[] taken = Sql.executeBatch(tx, """
                UPDATE stock SET available = available - ?, sold = sold + ?, updated_at = now()
                WHERE sku = ? AND available >= ?""", released.stream()
                .map(line -> new Object[] {line.quantity(), line.quantity(), line.sku(), line.quantity()})
                .toList());
        for (int i = 0; i < taken.length; i++) {
            if (taken[i] == 0) {
                Sql.execute(tx, "ROLLBACK TO SAVEPOINT take_again");
                Line line = released.get(i);
                return "the reservation was released before the confirmation and sku " + line.sku()
                        + " no longer has " + line.quantity() + " available";
            }
        }
        Sql.execute(tx, "UPDATE reservation SET status = 'COMMITTED', updated_at = now() "
                + "WHERE order_id = ? AND status = 'RELEASED'", orderId);
        Sql.execute(tx, "RELEASE SAVEPOINT take_again");
        return null;
    }

    /** Sku → quantity, summed over repeated skus, in sku order. */
    static Map<String, Integer> bySku(List<OrderMessage.OrderPlaced.Line> lines) {
        Map<String, Integer> wanted = new TreeMap<>();
        lines.forEach(line -> wanted.merge(line.sku(), line.quantity(), Integer::sum));
        return wanted;
    }
}
