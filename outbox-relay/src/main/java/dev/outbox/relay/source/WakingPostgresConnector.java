package dev.outbox.relay.source;

import io.debezium.connector.postgresql.PostgresConnector;
import org.apache.kafka.connect.connector.Task;

/** Debezium's PostgreSQL connector with the {@link WakingPostgresTask}. Public for Debezium's engine. */
public final class WakingPostgresConnector extends PostgresConnector {

    @Override
    public Class<? extends Task> taskClass() {
        return WakingPostgresTask.class;
    }
}
