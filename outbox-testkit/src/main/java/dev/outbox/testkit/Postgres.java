package dev.outbox.testkit;

/**
 * A running PostgreSQL server with {@code wal_level=logical}: embedded (the default here) or external.
 *
 * <p>Tests get one server per JVM and a fresh database per test class through {@link #createDatabase(String)}.
 */
public interface Postgres extends AutoCloseable {

    String host();

    int port();

    /** A role with the rights to create databases, publications and replication slots. */
    String user();

    String password();

    /** {@code jdbc:postgresql://host:port/database}. */
    default String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port() + "/" + database;
    }

    /** Creates an empty database; {@link TestDatabase#close()} drops it again with its replication slots. */
    TestDatabase createDatabase(String name);

    /** Stops the server if this object started it; an external server is left running. */
    @Override
    void close();
}
