package dev.outbox.schema;

import java.util.Map;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Applies the library's SQL migrations shipped in this jar with Flyway, under their own location and their own
 * history table, so they live beside a service's own migrations (Spring Boot's {@code classpath:db/migration} and
 * {@code flyway_schema_history}) without a version clash.
 *
 * <p>Flyway is an optional dependency of this jar: add {@code flyway-core} and {@code flyway-database-postgresql}
 * to call this class. Without Flyway, apply the plain SQL files of {@value #RESOURCE_FOLDER} in version order
 * (V1, V2, ...), replacing {@code ${publication_name}} in the publication migration by hand.
 */
public final class OutboxSchema {

    /** The default name of the publication the library migration creates. */
    public static final String DEFAULT_PUBLICATION = "outbox_pub";

    /** The classpath folder of the library migrations; deliberately not under Flyway's default {@code db/migration}. */
    public static final String RESOURCE_FOLDER = "dev/outbox/db/migration";

    /** The Flyway location of the library migrations. */
    public static final String LOCATION = "classpath:" + RESOURCE_FOLDER;

    /** The Flyway history table of the library migrations, apart from the service's own history table. */
    public static final String HISTORY_TABLE = "flyway_history_outbox";

    /** The Flyway placeholder naming the publication in {@code V2__outbox_publication.sql}. */
    public static final String PUBLICATION_PLACEHOLDER = "publication_name";

    private OutboxSchema() {
    }

    /** Applies the library migrations with the default publication name. */
    public static MigrateResult migrateLibrary(DataSource dataSource) {
        return migrateLibrary(dataSource, DEFAULT_PUBLICATION);
    }

    /**
     * Applies the library migrations to the database behind {@code dataSource}; already applied versions are
     * skipped.
     *
     * @param publicationName the publication the relay reads; a lower-case SQL identifier
     */
    public static MigrateResult migrateLibrary(DataSource dataSource, String publicationName) {
        return configure(dataSource, publicationName).load().migrate();
    }

    /**
     * A Flyway configuration for the library migrations (location, history table, baseline, placeholder), for
     * callers that add their own settings (schemas, callbacks) before {@code load().migrate()}.
     */
    public static FluentConfiguration configure(DataSource dataSource, String publicationName) {
        if (publicationName == null || !publicationName.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException(
                    "publicationName must be a lower-case SQL identifier ([a-z_][a-z0-9_]*), was " + publicationName);
        }
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .table(HISTORY_TABLE)
                // The service's own tables may already be in this schema: start this history at 0.
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .placeholders(Map.of(PUBLICATION_PLACEHOLDER, publicationName));
    }
}
