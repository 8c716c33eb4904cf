package dev.outbox.sandbox;

import dev.outbox.schema.OutboxSchema;
import dev.outbox.testkit.EmbeddedKafkaBroker;
import dev.outbox.testkit.EmbeddedPostgresServer;
import dev.outbox.testkit.TestDatabase;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The sandbox's servers: one embedded PostgreSQL and one in-JVM Kafka broker, started in parallel. */
final class SandboxInfra implements AutoCloseable {

    private final EmbeddedPostgresServer postgres;
    private final EmbeddedKafkaBroker kafka;
    private final List<TestDatabase> databases = new ArrayList<>();

    private SandboxInfra(EmbeddedPostgresServer postgres, EmbeddedKafkaBroker kafka) {
        this.postgres = postgres;
        this.kafka = kafka;
    }

    static SandboxInfra start(int postgresPort, int kafkaPort) {
        return start(postgresPort, kafkaPort, false);
    }

    /** {@code durable}: fsync, full_page_writes and synchronous_commit on (else the test kit's fast settings). */
    static SandboxInfra start(int postgresPort, int kafkaPort, boolean durable) {
        return start(postgresPort, kafkaPort, durable, Map.of());
    }

    /** {@code postgresSettings}: server settings over the test kit's, e.g. to load pg_stat_statements. */
    static SandboxInfra start(int postgresPort, int kafkaPort, boolean durable, Map<String, String> postgresSettings) {
        var pg = CompletableFuture.supplyAsync(() -> EmbeddedPostgresServer.start(
                new EmbeddedPostgresServer.Options(postgresPort, Optional.empty(), durable, postgresSettings)));
        var broker = CompletableFuture.supplyAsync(() -> EmbeddedKafkaBroker.start(
                new EmbeddedKafkaBroker.Options(kafkaPort, 0, Optional.empty(), Map.of())));
        try {
            return new SandboxInfra(pg.join(), broker.join());
        } catch (RuntimeException e) {
            pg.thenAccept(EmbeddedPostgresServer::close);
            broker.thenAccept(EmbeddedKafkaBroker::close);
            throw e;
        }
    }

    /** Creates an empty database (the services apply their own migrations). */
    TestDatabase emptyDatabase(String name) {
        TestDatabase database = postgres.createDatabase(name);
        databases.add(database);
        return database;
    }

    /** Creates a database with the library's tables and publication. */
    TestDatabase libraryDatabase(String name) {
        TestDatabase database = postgres.createDatabase(name);
        databases.add(database);
        OutboxSchema.migrateLibrary(database.dataSource());
        return database;
    }

    EmbeddedPostgresServer postgres() {
        return postgres;
    }

    EmbeddedKafkaBroker kafka() {
        return kafka;
    }

    /** The lines a relay or service needs to reach these servers, in the relay's variable names. */
    Map<String, String> environment(TestDatabase database) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("OUTBOX_DB_URL", database.jdbcUrl());
        environment.put("OUTBOX_DB_USER", database.user());
        environment.put("OUTBOX_DB_PASSWORD", database.password());
        environment.put("OUTBOX_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        return environment;
    }

    @Override
    public void close() {
        try {
            kafka.close();
        } finally {
            postgres.close();
        }
    }
}
