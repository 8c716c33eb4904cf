package dev.outbox.spring;

import dev.outbox.schema.OutboxSchema;
import javax.sql.DataSource;
import org.springframework.beans.factory.InitializingBean;

/**
 * Applies the library migrations with a Flyway of their own (location {@value OutboxSchema#LOCATION}, history table
 * {@value OutboxSchema#HISTORY_TABLE}), beside Spring Boot's Flyway for the application's {@code db/migration}.
 * The starter's other beans depend on it, so the tables exist before anything publishes or consumes.
 */
public final class OutboxSchemaMigration implements InitializingBean {

    private final DataSource dataSource;
    private final String publication;

    OutboxSchemaMigration(DataSource dataSource, String publication) {
        this.dataSource = dataSource;
        this.publication = publication;
    }

    @Override
    public void afterPropertiesSet() {
        OutboxSchema.migrateLibrary(dataSource, publication);
    }
}
