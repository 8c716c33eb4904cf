package dev.outbox.sample.inventory;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The inventory service's own tables (stock, reservation): its migrations and its Flyway history
 * table, versioned apart from the library's ({@link dev.outbox.schema.OutboxSchema}).
 */
final class InventorySchema {

    static final String LOCATION = "classpath:db/migration/inventory";
    static final String HISTORY_TABLE = "flyway_history_inventory";

    private InventorySchema() {
    }

    static void migrate(DataSource dataSource) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                // The library's tables are already in this schema: start this history at 0.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
