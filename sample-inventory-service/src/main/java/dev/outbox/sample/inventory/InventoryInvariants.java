package dev.outbox.sample.inventory;

import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Record;

/**
 * The stock invariants at rest (docs/design.md, saga step 6), as a list of violations: empty means they all hold. For
 * every sku: received (the initial stock plus every adjustment) = available + reserved + sold; reserved = the sum of
 * RESERVED reservations; sold = the sum of COMMITTED ones. The cross-service invariants are in the order service's
 * {@code OrderInvariants.checkAcrossServices}.
 */
public final class InventoryInvariants {

    private InventoryInvariants() {
    }

    public static List<String> check(DSLContext inventory) {
        List<String> violations = new ArrayList<>();
        for (Record r : inventory.fetch("""
                SELECT s.sku, s.received, s.available, s.reserved, s.sold,
                       coalesce(sum(r.quantity) FILTER (WHERE r.status = 'RESERVED'), 0)  AS held,
                       coalesce(sum(r.quantity) FILTER (WHERE r.status = 'COMMITTED'), 0) AS committed
                FROM stock s LEFT JOIN reservation r ON r.sku = s.sku
                GROUP BY s.sku, s.received, s.available, s.reserved, s.sold
                ORDER BY s.sku""")) {
            String sku = r.get(0, String.class);
            long received = r.get(1, Long.class);
            long available = r.get(2, Long.class);
            long reserved = r.get(3, Long.class);
            long sold = r.get(4, Long.class);
            long held = r.get(5, Long.class);
            long committed = r.get(6, Long.class);
            if (received != available + reserved + sold) {
                violations.add("sku " + sku + ": received " + received + " <> available " + available
                        + " + reserved " + reserved + " + sold " + sold);
            }
            if (reserved != held) {
                violations.add("sku " + sku + ": reserved " + reserved + " <> RESERVED reservations " + held);
            }
            if (sold != committed) {
                violations.add("sku " + sku + ": sold " + sold + " <> COMMITTED reservations " + committed);
            }
        }
        return violations;
    }
}
