package dev.outbox.sample.order;

import org.jooq.DSLContext;

/**
 * Makes the inventory's database refuse every change of a reservation of one sku (a trigger), so that its consumer
 * runs out of attempts and dead-letters the event, as a real outage would.
 */
final class MaintenanceSwitch {

    private MaintenanceSwitch() {
    }

    static void install(DSLContext inventoryDb) {
        inventoryDb.execute("CREATE TABLE IF NOT EXISTS maintenance (on_sku text PRIMARY KEY)");
        inventoryDb.execute("""
                CREATE OR REPLACE FUNCTION refuse_in_maintenance() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF EXISTS (SELECT 1 FROM maintenance WHERE on_sku = NEW.sku) THEN
                    RAISE EXCEPTION 'sku % is under maintenance', NEW.sku;
                  END IF;
                  RETURN NEW;
                END $$""");
        inventoryDb.execute("DROP TRIGGER IF EXISTS reservation_maintenance ON reservation");
        inventoryDb.execute("CREATE TRIGGER reservation_maintenance BEFORE UPDATE ON reservation FOR EACH ROW "
                + "EXECUTE FUNCTION refuse_in_maintenance()");
    }

    static void on(DSLContext inventoryDb, String sku) {
        inventoryDb.execute("INSERT INTO maintenance VALUES (?) ON CONFLICT DO NOTHING", sku);
    }

    static void off(DSLContext inventoryDb) {
        inventoryDb.execute("DELETE FROM maintenance");
    }
}
