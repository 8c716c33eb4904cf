package dev.outbox.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One database on a {@link Postgres} server, owned by a test class (or the sandbox).
 *
 * <p>{@link #close()} drops the database together with every replication slot on it, terminating the
 * WAL senders still attached, so that no slot keeps the server retaining WAL after the test.
 */
public final class TestDatabase implements AutoCloseable {

    private static final Pattern SAFE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final Postgres server;
    private final String name;
    private final PGSimpleDataSource dataSource;
    private final boolean dropOnClose;

    TestDatabase(Postgres server, String name, boolean dropOnClose) {
        if (!SAFE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    "database name must match " + SAFE_NAME.pattern() + " (lower case, digits, _): " + name);
        }
        this.server = server;
        this.name = name;
        this.dropOnClose = dropOnClose;
        this.dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl());
        dataSource.setUser(server.user());
        dataSource.setPassword(server.password());
    }

    /** Creates the database on the server and returns it. */
    static TestDatabase create(Postgres server, String name) {
        TestDatabase database = new TestDatabase(server, name, true);
        database.admin("CREATE DATABASE " + name);
        return database;
    }

    public String name() {
        return name;
    }

    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    public String host() {
        return server.host();
    }

    public int port() {
        return server.port();
    }

    /** A data source opening a new connection per call (no pool). */
    public DataSource dataSource() {
        return dataSource;
    }

    public DSLContext dsl() {
        return DSL.using(dataSource, SQLDialect.POSTGRES);
    }

    /** Runs statements in this database, each in its own auto-commit transaction. */
    public void execute(String... statements) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed in database " + name + ": " + e.getMessage(), e);
        }
    }

    /** Drops the replication slots of this database, terminating the WAL senders that hold them. */
    public void dropReplicationSlots() {
        admin("""
                SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots
                 WHERE database = '%s' AND active_pid IS NOT NULL""".formatted(name));
        // A terminated sender releases its slot asynchronously; retry the drop until it is free.
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try {
                admin("""
                        SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                         WHERE database = '%s' AND NOT active""".formatted(name));
                if (!hasSlots()) {
                    return;
                }
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replication slots of database " + name + " stay active");
            }
            Thread.onSpinWait();
        }
    }

    private boolean hasSlots() {
        try (Connection connection = adminConnection(); Statement statement = connection.createStatement();
                var rs = statement.executeQuery(
                        "SELECT count(*) FROM pg_replication_slots WHERE database = '" + name + "'")) {
            rs.next();
            return rs.getLong(1) > 0;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (!dropOnClose) {
            return;
        }
        dropReplicationSlots();
        admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private void admin(String sql) {
        try (Connection connection = adminConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on the server (" + sql.strip() + "): " + e.getMessage(), e);
        }
    }

    private Connection adminConnection() throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
    }

    @Override
    public String toString() {
        return "TestDatabase[" + jdbcUrl() + "]";
    }
}
