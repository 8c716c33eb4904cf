package dev.outbox.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL 18 primary and a physical standby from the embedded binaries, set up for failover slots: the standby
 * streams from the primary's physical slot {@value #STANDBY_SLOT} with {@code hot_standby_feedback} and
 * {@code sync_replication_slots} on, the primary names that slot in {@code synchronized_standby_slots} and (with
 * {@code synchronousStandby}) waits for the standby at every commit, so no acknowledged commit is lost by a failover.
 *
 * <p>The binaries have no {@code pg_basebackup}: the standby starts from a cold copy of the cleanly stopped
 * primary's data directory plus {@code standby.signal} and {@code primary_conninfo}. Tests {@link #killPrimary()} and
 * {@link #promoteStandby()}; a multi-host {@link #jdbcUrl(String)} with {@code targetServerType=primary} follows.
 */
public final class PostgresStandbyPair implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PostgresStandbyPair.class);
    /** The primary's physical slot the standby streams from. */
    public static final String STANDBY_SLOT = "standby_1";
    private static final String STANDBY_NAME = "standby1";
    /** Not copied to the standby: the primary's running state and its slots (as pg_basebackup leaves them out). */
    private static final Set<String> NOT_COPIED = Set.of("postmaster.pid", "postmaster.opts", "pg_replslot",
            "epg-lock");

    private final EmbeddedPostgresServer primary;
    private final EmbeddedPostgresServer standby;
    private final Path standbyDirectory;

    private PostgresStandbyPair(EmbeddedPostgresServer primary, EmbeddedPostgresServer standby,
            Path standbyDirectory) {
        this.primary = primary;
        this.standby = standby;
        this.standbyDirectory = standbyDirectory;
    }

    /**
     * Starts the pair with {@code databases} created on the primary before the copy (so both have them).
     *
     * @param synchronousStandby the primary waits for the standby at every commit ({@code synchronous_standby_names})
     */
    public static PostgresStandbyPair start(boolean synchronousStandby, String... databases) {
        long started = System.nanoTime();
        EmbeddedPostgresServer primary = EmbeddedPostgresServer.start();
        Path standbyDirectory = null;
        try {
            for (String database : databases) {
                TestDatabase.create(primary, database);
            }
            execute(primary, "postgres", "SELECT pg_create_physical_replication_slot('" + STANDBY_SLOT + "', true)");
            primary.stop();
            standbyDirectory = Files.createTempDirectory("outbox-pg-standby-");
            copyDataDirectory(primary.dataDirectory(), standbyDirectory);
            configureStandby(standbyDirectory, primary.port());
            primary.restart();
            execute(primary, "postgres", "ALTER SYSTEM SET synchronized_standby_slots = '" + STANDBY_SLOT + "'");
            if (synchronousStandby) {
                execute(primary, "postgres", "ALTER SYSTEM SET synchronous_standby_names = '" + STANDBY_NAME + "'");
            }
            execute(primary, "postgres", "SELECT pg_reload_conf()");
            EmbeddedPostgresServer standby = EmbeddedPostgresServer.start(
                    EmbeddedPostgresServer.Options.defaults().withDataDirectory(standbyDirectory));
            PostgresStandbyPair pair = new PostgresStandbyPair(primary, standby, standbyDirectory);
            log.info("PostgreSQL primary on port {} and standby on port {} started in {} ms", primary.port(),
                    standby.port(), (System.nanoTime() - started) / 1_000_000);
            return pair;
        } catch (IOException | RuntimeException e) {
            primary.close();
            if (standbyDirectory != null) {
                Directories.deleteRecursively(standbyDirectory);
            }
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    private static void copyDataDirectory(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(file);
                if (relative.getNameCount() > 0 && NOT_COPIED.contains(relative.getName(0).toString())
                        && !(relative.getNameCount() == 1 && relative.toString().equals("pg_replslot"))) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void configureStandby(Path directory, int primaryPort) throws IOException {
        Files.writeString(directory.resolve("standby.signal"), "");
        Files.writeString(directory.resolve("postgresql.auto.conf"), """
                primary_conninfo = 'host=127.0.0.1 port=%d user=postgres dbname=postgres application_name=%s'
                primary_slot_name = '%s'
                hot_standby_feedback = on
                sync_replication_slots = on
                """.formatted(primaryPort, STANDBY_NAME, STANDBY_SLOT), StandardOpenOption.APPEND);
    }

    public EmbeddedPostgresServer primary() {
        return primary;
    }

    public EmbeddedPostgresServer standby() {
        return standby;
    }

    /** {@code jdbc:postgresql://primary,standby/database?targetServerType=primary}: the current primary. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + primary.host() + ":" + primary.port() + "," + standby.host() + ":"
                + standby.port() + "/" + database + "?targetServerType=primary";
    }

    /**
     * Whether the standby holds a synchronised copy of logical slot {@code slot} (persistent, {@code synced}) at
     * or past {@code position} (pg_lsn text), i.e. the standby could continue from there after a failover.
     */
    public boolean slotSynchronized(String database, String slot, String position) {
        try (Connection connection = connect(standby, database); PreparedStatement statement =
                connection.prepareStatement("""
                        SELECT synced AND NOT temporary AND confirmed_flush_lsn >= ?::pg_lsn
                          FROM pg_replication_slots WHERE slot_name = ?""")) {
            statement.setString(1, position);
            statement.setString(2, slot);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reading slot " + slot + " on the standby: " + e.getMessage(), e);
        }
    }

    /** SIGKILL to the primary's postmaster, as a crash of its machine would do. */
    public void killPrimary() {
        primary.kill();
    }

    /** Promotes the standby ({@code pg_promote}) and waits until it accepts writes. */
    public void promoteStandby() {
        execute(standby, "postgres", "SELECT pg_promote(true, 60)");
        log.info("standby on port {} promoted", standby.port());
    }

    private static void execute(EmbeddedPostgresServer server, String database, String sql) {
        try (Connection connection = connect(server, database); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed on " + server + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    private static Connection connect(EmbeddedPostgresServer server, String database) throws SQLException {
        return DriverManager.getConnection(server.jdbcUrl(database), server.user(), server.password());
    }

    @Override
    public void close() {
        try {
            standby.close();
        } finally {
            try {
                primary.close();
            } finally {
                Directories.deleteRecursively(standbyDirectory);
            }
        }
    }
}
