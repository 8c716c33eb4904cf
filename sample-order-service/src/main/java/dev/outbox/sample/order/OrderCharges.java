package dev.outbox.sample.order;

import dev.outbox.sample.order.InventoryReply.StockReserved;
import dev.outbox.sample.support.Sql;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;

/**
 * The order's money once its stock is reserved, each step one statement: the consumer applies the inventory's
 * replies one after the other on one thread, so every round trip it waits for holds up the orders behind.
 */
final class OrderCharges {

    private static final String PRICE_ORDER = """
            WITH priced AS (
                UPDATE order_line l SET unit_price_cents = p.price
                FROM unnest(?::text[], ?::bigint[]) AS p (sku, price)
                WHERE l.order_id = ? AND l.sku = p.sku
            )
            UPDATE orders SET total_cents = ? WHERE id = ? RETURNING customer_id""";

    /**
     * The credit is taken only if the customer has it; the charge row and the confirmation follow only from a
     * taken credit. The primary key on charge.order_id makes a second charge impossible, not merely unlikely.
     */
    private static final String CHARGE_AND_CONFIRM = """
            WITH charged AS (
                UPDATE customer SET credit_available_cents = credit_available_cents - ?, updated_at = now()
                WHERE id = ? AND credit_available_cents >= ?
                RETURNING id
            ), recorded AS (
                INSERT INTO charge (order_id, customer_id, amount_cents, status)
                SELECT ?, id, ?, 'CHARGED' FROM charged
            ), confirmed AS (
                UPDATE orders SET status = 'CONFIRMED', updated_at = now()
                WHERE id = ? AND status = 'PENDING' AND EXISTS (SELECT 1 FROM charged)
            )
            SELECT count(*) FROM charged""";

    private OrderCharges() {
    }

    /** Sets the lines' prices (the inventory's) and the order's total; returns the order's customer. */
    static String priceOrder(DSLContext tx, UUID orderId, List<StockReserved.Line> lines, long totalCents) {
        String[] skus = lines.stream().map(StockReserved.Line::sku).toArray(String[]::new);
        Long[] prices = lines.stream().map(StockReserved.Line::unitPriceCents).toArray(Long[]::new);
        return Sql.query(tx, PRICE_ORDER, row -> row.getString(1), skus, prices, orderId, totalCents, orderId)
                .getFirst();
    }

    /** Charges the customer and confirms the order; false (nothing changed) when the credit does not cover it. */
    static boolean chargeAndConfirm(DSLContext tx, UUID orderId, String customerId, long totalCents) {
        return Sql.query(tx, CHARGE_AND_CONFIRM, row -> row.getLong(1), totalCents, customerId, totalCents, orderId,
                totalCents, orderId).getFirst() == 1;
    }
}
