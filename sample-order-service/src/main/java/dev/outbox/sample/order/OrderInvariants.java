package dev.outbox.sample.order;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The saga's invariants at rest (docs/design.md, saga step 6), as a list of violations: empty means they all hold.
 * Meant for a quiet system (after a load run, in tests): a saga still in flight shows up as "not terminal".
 */
public final class OrderInvariants {

    private OrderInvariants() {
    }

    /** What the order database alone can tell: charges match statuses, every saga terminal. */
    public static List<String> check(DSLContext orders) {
        List<String> violations = new ArrayList<>();
        for (Record r : orders.fetch("""
                SELECT o.id, o.total_cents, count(c.order_id) AS charges, sum(c.amount_cents) AS charged
                FROM orders o LEFT JOIN charge c ON c.order_id = o.id AND c.status = 'CHARGED'
                WHERE o.status = 'CONFIRMED'
                GROUP BY o.id, o.total_cents
                HAVING count(c.order_id) <> 1 OR sum(c.amount_cents) <> o.total_cents""")) {
            violations.add("CONFIRMED order " + r.get(0) + " (total " + r.get(1) + ") has " + r.get(2)
                    + " charge(s) of " + r.get(3) + " cents; expected exactly one of the total");
        }
        for (Record r : orders.fetch("""
                SELECT o.id, o.status FROM orders o JOIN charge c ON c.order_id = o.id
                WHERE o.status <> 'CONFIRMED' AND c.status = 'CHARGED'""")) {
            violations.add(r.get(1) + " order " + r.get(0) + " holds a charge");
        }
        for (Record r : orders.fetch("SELECT id FROM orders WHERE status = 'PENDING' ORDER BY created_at")) {
            violations.add("order " + r.get(0) + " is still PENDING: its saga is not terminal");
        }
        for (Record r : orders.fetch("""
                SELECT saga_id, step, status FROM saga_log
                WHERE saga_type = ? AND status IN ('PENDING', 'COMPENSATING') ORDER BY created_at""",
                OrderSaga.SAGA_TYPE)) {
            violations.add("saga " + r.get(0) + " step " + r.get(1) + " is still " + r.get(2));
        }
        return violations;
    }

    /**
     * The invariants that need both databases: a CONFIRMED order has COMMITTED reservations of exactly its lines; a
     * REJECTED or CANCELLED order holds no stock (no RESERVED or COMMITTED reservation).
     */
    public static List<String> checkAcrossServices(DSLContext orders, DSLContext inventory) {
        Map<UUID, String> statusById = new HashMap<>();
        for (Record r : orders.fetch("SELECT id, status FROM orders")) {
            statusById.put(r.get(0, UUID.class), r.get(1, String.class));
        }
        List<Reservation> ordered = orders.fetch("SELECT order_id, sku, quantity FROM order_line")
                .map(r -> new Reservation(r.get(0, UUID.class), r.get(1, String.class), r.get(2, Integer.class), null));
        List<Reservation> reservations = inventory.fetch("SELECT order_id, sku, quantity, status FROM reservation")
                .map(r -> new Reservation(r.get(0, UUID.class), r.get(1, String.class), r.get(2, Integer.class),
                        r.get(3, String.class)));
        return compare(statusById, ordered, reservations);
    }

    /** A reservation row of the inventory, or (status null) an order line. */
    record Reservation(UUID orderId, String sku, int quantity, String status) {
    }

    /** The cross-service rules on plain data: what {@link #checkAcrossServices} reads from both databases. */
    static List<String> compare(Map<UUID, String> statusById, List<Reservation> orderLines,
            List<Reservation> reservations) {
        List<String> violations = new ArrayList<>();
        Map<UUID, Map<String, Integer>> lines = new HashMap<>();
        for (Reservation line : orderLines) {
            lines.computeIfAbsent(line.orderId(), k -> new HashMap<>())
                    .merge(line.sku(), line.quantity(), Integer::sum);
        }
        Map<UUID, Map<String, Integer>> committed = new HashMap<>();
        Map<UUID, List<String>> held = new HashMap<>();
        for (Reservation r : reservations) {
            if (r.status().equals("COMMITTED")) {
                committed.computeIfAbsent(r.orderId(), k -> new HashMap<>())
                        .merge(r.sku(), r.quantity(), Integer::sum);
            }
            if (!r.status().equals("RELEASED")) {
                held.computeIfAbsent(r.orderId(), k -> new ArrayList<>()).add(r.sku() + " " + r.status());
            }
        }
        statusById.forEach((orderId, status) -> {
            switch (status) {
                case OrderSaga.CONFIRMED -> {
                    if (!Objects.equals(committed.get(orderId), lines.get(orderId))) {
                        violations.add("CONFIRMED order " + orderId + " has committed " + committed.get(orderId)
                                + " but ordered " + lines.get(orderId));
                    }
                    if (held.getOrDefault(orderId, List.of()).stream().anyMatch(s -> s.endsWith(" RESERVED"))) {
                        violations.add("CONFIRMED order " + orderId + " still has RESERVED (uncommitted) stock");
                    }
                }
                case OrderSaga.REJECTED, OrderSaga.CANCELLED -> {
                    if (held.containsKey(orderId)) {
                        violations.add(status + " order " + orderId + " holds stock: " + held.get(orderId));
                    }
                }
                default -> {
                    // PENDING is reported by check(orders).
                }
            }
        });
        for (UUID orderId : held.keySet()) {
            if (!statusById.containsKey(orderId)) {
                violations.add("the inventory holds stock for order " + orderId + ", unknown to the order service");
            }
        }
        return violations;
    }
}
