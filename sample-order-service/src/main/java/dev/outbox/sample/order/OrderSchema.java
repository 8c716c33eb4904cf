package dev.outbox.sample.order;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The order service's own tables (customer, orders, order_line, charge): its migrations and its Flyway history
 * table, versioned apart from the library's ({@link dev.outbox.schema.OutboxSchema}).
 */
final class OrderSchema {

    static final String LOCATION = "classpath:db/migration/order";
    static final String HISTORY_TABLE = "flyway_history_order";

    private OrderSchema() {
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
