package dev.outbox.schema;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the SQL migrations shipped in this jar with Flyway. Each migration set keeps its own history table,
 * so a service database can hold the library's tables and the service's own, each versioned on its own.
 *
 * <p>Without Flyway, apply the plain SQL files of {@code db/migration/<set>/} in version order (V1, V2, ...);
 * replace {@code ${publication_name}} in the publication migration by hand.
 */
public final class OutboxSchema {

    /** The default name of the publication the library migration creates. */
    public static final String DEFAULT_PUBLICATION = "outbox_pub";

    /** A set of migrations: its classpath folder and its Flyway history table. */
    public enum MigrationSet {
        /** outbox, its publication, processed_event, saga_log, saga_event: what every outbox-lib user needs. */
        LIBRARY("outbox"),
        /** The sample order service: customer, orders, order_line, charge. */
        ORDER_SERVICE("order"),
        /** The sample inventory service: stock, reservation. */
        INVENTORY_SERVICE("inventory");

        private final String folder;

        MigrationSet(String folder) {
            this.folder = folder;
        }

        public String location() {
            return "classpath:db/migration/" + folder;
        }

        public String historyTable() {
            return "flyway_history_" + folder;
        }
    }

    private OutboxSchema() {
    }

    /** Applies the library migrations with the default publication name. */
    public static MigrateResult migrateLibrary(DataSource dataSource) {
        return migrate(dataSource, MigrationSet.LIBRARY, DEFAULT_PUBLICATION);
    }

    /**
     * Applies one migration set to the database behind {@code dataSource}; already applied versions are skipped.
     *
     * @param publicationName used by {@link MigrationSet#LIBRARY} only; a lower-case SQL identifier
     */
    public static MigrateResult migrate(DataSource dataSource, MigrationSet set, String publicationName) {
        if (!publicationName.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException(
                    "publicationName must be a lower-case SQL identifier ([a-z_][a-z0-9_]*), was " + publicationName);
        }
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(set.location())
                .table(set.historyTable())
                // Other sets may already have created tables in this schema: start this set's history at 0.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .placeholders(Map.of("publication_name", publicationName))
                .load()
                .migrate();
    }
}
