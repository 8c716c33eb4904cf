package dev.outbox.sample.support;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * A sample service's own tables: its migrations at {@code classpath:db/migration/<service>} with a Flyway history
 * table of its own ({@code flyway_history_<service>}), versioned apart from the library's
 * ({@code dev.outbox.schema.OutboxSchema}), so the two never clash on a version.
 */
public final class ServiceSchema {

    private ServiceSchema() {
    }

    /** Applies the pending migrations of {@code service} (e.g. {@code order}) in the database of {@code dataSource}. */
    public static void migrate(DataSource dataSource, String service) {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration/" + service)
                .table("flyway_history_" + service)
                // The library's tables are already in this schema: start this history at 0.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
    }
}
