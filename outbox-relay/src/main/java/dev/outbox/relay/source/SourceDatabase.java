package dev.outbox.relay.source;

import dev.outbox.relay.state.SlotGuard;
import dev.outbox.relay.state.SourceIdentity;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Properties;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.core.BaseConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.postgresql.util.HostSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay's view of the source database: the fail-closed checks made before streaming, the replication slot,
 * the replication stream, and the slot's retained WAL for the metrics.
 */
public final class SourceDatabase {

    private static final Logger log = LoggerFactory.getLogger(SourceDatabase.class);

    private final String url;
    private final String user;
    private final String password;
    private final String slot;
    private final String publication;
    private final String schema;
    private final String table;
    private final SlotGuard slotGuard;
    private final boolean requireFailover;
    /** Whether the last check found the slot synchronised to a standby (see {@link SlotFailover}). */
    private volatile boolean failoverReady;
    /** The server's time when the relay last saw its slot (checks, retained-WAL samples); null before. */
    private volatile Instant slotLastSeen;

    /**
     * @param requireFailover stop (a permanent {@link SourceCheckException}) when the slot is not synchronised to a
     *                        standby ({@code OUTBOX_SLOT_REQUIRE_FAILOVER}); otherwise that is only logged
     */
    public SourceDatabase(String url, String user, String password, String slot, String publication, String schema,
            String table, SlotGuard slotGuard, boolean requireFailover) {
        this.slotGuard = slotGuard;
        this.requireFailover = requireFailover;
        this.url = url;
        this.user = user;
        this.password = password;
        this.slot = slot;
        this.publication = publication;
        this.schema = schema;
        this.table = table;
    }

    Connection connect(boolean replication) throws SQLException {
        Properties properties = new Properties();
        PGProperty.USER.set(properties, user);
        PGProperty.PASSWORD.set(properties, password);
        PGProperty.CONNECT_TIMEOUT.set(properties, 5);
        PGProperty.APPLICATION_NAME.set(properties, "outbox-relay:" + slot);
        if (replication) {
            PGProperty.REPLICATION.set(properties, "database");
            PGProperty.ASSUME_MIN_SERVER_VERSION.set(properties, "10");
            PGProperty.PREFER_QUERY_MODE.set(properties, "simple");
        }
        return DriverManager.getConnection(url, properties);
    }

    /**
     * Fails closed, with one line naming the fix, when: the server cannot be reached or refuses the credentials,
     * wal_level is not logical, the outbox table is missing or unreadable, the publication is missing and cannot
     * be created, or the slot exists but is lost, invalidated or of another plugin or database. Then the
     * {@link SlotGuard} decides on the slot against this relay's record: a missing slot is created only on the first
     * start of this relay name (a new slot streams what commits from now on: there is no snapshot of older rows);
     * a slot gone after that, or another source, stops the relay (a permanent {@link SourceCheckException}).
     * Last, whether the slot would survive a failover to a standby ({@link SlotFailover}): logged, and fatal with
     * {@code requireFailover}.
     */
    public void checkAndPrepare() {
        checkAndPrepare(() -> { });
    }

    /**
     * As {@link #checkAndPrepare()}; {@code slotMayOpen} runs once the slot is found present and usable, before this
     * relay's record is read from Kafka, so that a stream may start opening meanwhile. That is safe because opening
     * moves nothing: Debezium's start refuses a missing slot ({@link #openDebeziumStream} drops one replaced in the
     * meantime), the slot's position moves only when the relay confirms what it delivered, and a check that refuses
     * afterwards leaves the stream to be closed unused. Not run when the slot is missing (the record decides whether
     * to create it) or when the failover check still has to turn it into a failover slot (it cannot while a stream
     * holds it).
     */
    public void checkAndPrepare(Runnable slotMayOpen) {
        try (Connection connection = connectForChecks()) {
            String walLevel = single(connection, "SHOW wal_level");
            if (!"logical".equals(walLevel)) {
                throw SourceCheckException.permanent("wal_level is '" + walLevel + "' on " + url + ", logical "
                        + "decoding needs 'logical': ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL");
            }
            checkTable(connection);
            checkPublication(connection);
            boolean slotExists = checkSlot(connection);
            if (slotExists && !SlotFailover.wouldConvert(connection, slot)) {
                slotMayOpen.run();
            }
            slotGuard.check(identify(), slotExists, slotLastSeen, serverNow(connection), this::rowsCreatedAfter,
                    this::createSlot, this::timelineSwitchPoint);
            checkFailover(connection);
        } catch (SQLException e) {
            throw new SourceCheckException("checking " + url + " failed: " + e.getMessage(), e);
        }
    }

    /** A plain connection; a refused one throws a {@link SourceCheckException} naming the cause and the fix. */
    public Connection connectForChecks() {
        try {
            return connect(false);
        } catch (SQLException e) {
            if ("28P01".equals(e.getSQLState()) || "28000".equals(e.getSQLState())) {
                throw new SourceCheckException("PostgreSQL refused OUTBOX_DB_USER '" + user + "' at " + url + ": "
                        + e.getMessage() + ". Check OUTBOX_DB_USER and OUTBOX_DB_PASSWORD (and pg_hba.conf)", e);
            }
            if ("3D000".equals(e.getSQLState())) {
                throw new SourceCheckException("the database of OUTBOX_DB_URL (" + url + ") does not exist", e);
            }
            throw new SourceCheckException("cannot connect to PostgreSQL at OUTBOX_DB_URL " + url + ": "
                    + e.getMessage(), e);
        }
    }

    private void checkTable(Connection connection) throws SQLException {
        String qualified = schema + "." + table;
        String exists = single(connection, "SELECT to_regclass('" + qualified + "') IS NOT NULL");
        if (!"t".equals(exists) && !"true".equals(exists)) {
            throw new SourceCheckException("the outbox table " + qualified + " (OUTBOX_TABLE) does not exist in "
                    + url + ": apply the library migrations (schema module) first");
        }
        String canRead = single(connection, "SELECT has_table_privilege('" + qualified + "', 'SELECT')");
        if (!"t".equals(canRead) && !"true".equals(canRead)) {
            throw new SourceCheckException("role " + user + " may not read " + qualified + ": GRANT SELECT ON "
                    + qualified + " TO " + user);
        }
    }

    private void checkPublication(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT p.pubinsert,
                       EXISTS (SELECT 1 FROM pg_publication_tables t
                                WHERE t.pubname = p.pubname AND t.schemaname = ? AND t.tablename = ?)
                  FROM pg_publication p WHERE p.pubname = ?""")) {
            statement.setString(1, schema);
            statement.setString(2, table);
            statement.setString(3, publication);
            try (ResultSet rs = statement.executeQuery()) {
                if (rs.next()) {
                    if (!rs.getBoolean(1) || !rs.getBoolean(2)) {
                        throw new SourceCheckException("publication " + publication + " (OUTBOX_PUBLICATION) does not "
                                + "publish inserts into " + schema + "." + table + ": ALTER PUBLICATION " + publication
                                + " ADD TABLE " + schema + "." + table + " / SET (publish = 'insert')");
                    }
                    return;
                }
            }
        }
        String create = "CREATE PUBLICATION " + publication + " FOR TABLE " + schema + "." + table
                + " WITH (publish = 'insert')";
        try (Statement statement = connection.createStatement()) {
            statement.execute(create);
            log.info("created publication {} for table {}.{} (inserts only)", publication, schema, table);
        } catch (SQLException e) {
            throw new SourceCheckException("publication " + publication + " (OUTBOX_PUBLICATION) does not exist and "
                    + "role " + user + " may not create it (" + e.getMessage().lines().findFirst().orElse("")
                    + "). Create it as the table owner: " + create + " (the schema module's migration does)", e);
        }
    }

    /** True when the slot exists (and is usable); false when it is missing. */
    private boolean checkSlot(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT plugin, database, wal_status, active_pid, now() FROM pg_replication_slots
                 WHERE slot_name = ?""")) {
            statement.setString(1, slot);
            try (ResultSet rs = statement.executeQuery()) {
                if (rs.next()) {
                    String plugin = rs.getString(1);
                    String database = rs.getString(2);
                    String walStatus = rs.getString(3);
                    String current = single(connection, "SELECT current_database()");
                    if (!"pgoutput".equals(plugin) || !current.equals(database)) {
                        throw new SourceCheckException("replication slot " + slot + " (OUTBOX_RELAY_NAME) belongs to "
                                + "database " + database + " with plugin " + plugin + "; give this relay another "
                                + "OUTBOX_RELAY_NAME");
                    }
                    if ("lost".equals(walStatus) || invalidated(connection)) {
                        throw SourceCheckException.permanent("replication slot " + slot + " is lost or invalidated "
                                + "(the server removed WAL it still needed, e.g. max_slot_wal_keep_size): events "
                                + "committed meanwhile cannot be streamed. The relay does not re-snapshot on its own. "
                                + "Recover: SELECT pg_drop_replication_slot('" + slot + "'); start the relay once "
                                + "with OUTBOX_SLOT_RECREATE=accept-gap (it streams from now on), then re-publish "
                                + "missed rows from the outbox table if you keep them");
                    }
                    slotLastSeen = rs.getObject(5, OffsetDateTime.class).toInstant();
                    return true;
                }
            }
        }
        return false;
    }

    private static Instant serverNow(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT now()")) {
            rs.next();
            return rs.getObject(1, OffsetDateTime.class).toInstant();
        }
    }

    /** The source as the server reports it on a replication connection (needs only the REPLICATION attribute). */
    private SourceIdentity identify() throws SQLException {
        try (Connection replication = connect(true); Statement statement = replication.createStatement();
                ResultSet rs = statement.executeQuery("IDENTIFY_SYSTEM")) {
            if (!rs.next()) {
                throw new SQLException("IDENTIFY_SYSTEM returned no row");
            }
            return new SourceIdentity(rs.getString("systemid"), rs.getLong("timeline"), rs.getString("dbname"),
                    slot);
        }
    }

    /**
     * Where {@code timeline} ended in this server's history ({@code TIMELINE_HISTORY} of its current timeline), or
     * -1 when it is not there (or is the current one).
     */
    private long timelineSwitchPoint(long timeline) {
        try (Connection replication = connect(true); Statement statement = replication.createStatement()) {
            long current;
            try (ResultSet rs = statement.executeQuery("IDENTIFY_SYSTEM")) {
                rs.next();
                current = rs.getLong("timeline");
            }
            if (current <= 1 || timeline >= current) {
                return -1;
            }
            try (ResultSet rs = statement.executeQuery("TIMELINE_HISTORY " + current)) {
                rs.next();
                // Lines of: timeline, switch point, reason (tab-separated).
                String history = new String(rs.getBytes(2), java.nio.charset.StandardCharsets.UTF_8);
                for (String line : history.split("\n")) {
                    String[] fields = line.strip().split("\\s+");
                    if (fields.length >= 2 && fields[0].equals(Long.toString(timeline))) {
                        return LogSequenceNumber.valueOf(fields[1]).asLong();
                    }
                }
            }
            return -1;
        } catch (SQLException e) {
            log.warn("reading the timeline history failed: {}", e.getMessage());
            return -1;
        }
    }

    /**
     * The outbox rows created after {@code moment}, as a sentence: an estimate of what a lost slot skipped (a
     * transaction that began earlier and committed later is not counted, nor rows already deleted).
     */
    private String rowsCreatedAfter(Instant moment) {
        try (Connection connection = connect(false)) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET statement_timeout = '10s'");
            }
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT count(*) FROM " + schema + "." + table + " WHERE created_at > ?")) {
                statement.setObject(1, moment.atOffset(ZoneOffset.UTC));
                try (ResultSet rs = statement.executeQuery()) {
                    rs.next();
                    return rs.getLong(1) + " outbox rows in " + schema + "." + table + " were created after "
                            + moment + ", when this relay last knew its slot's position";
                }
            }
        } catch (SQLException e) {
            return "unknown (counting the rows of " + schema + "." + table + " created after " + moment
                    + " failed: " + e.getMessage().lines().findFirst().orElse("") + ")";
        }
    }

    /** PostgreSQL 17+ reports why a slot was invalidated; older servers only have wal_status. */
    private boolean invalidated(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT 1 FROM information_schema.columns
                 WHERE table_name = 'pg_replication_slots' AND column_name = 'invalidation_reason'""")) {
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return false;
                }
            }
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT invalidation_reason IS NOT NULL FROM pg_replication_slots WHERE slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Creates the slot; on PostgreSQL 17+ as a failover slot, which a standby can synchronise. */
    private void createSlot() {
        try (Connection connection = connect(false); PreparedStatement statement = connection.prepareStatement(
                SlotFailover.supported(connection)
                        ? "SELECT pg_create_logical_replication_slot(?, 'pgoutput', false, false, true)"
                        : "SELECT pg_create_logical_replication_slot(?, 'pgoutput')")) {
            statement.setString(1, slot);
            statement.execute();
            log.debug("created replication slot {} (pgoutput)", slot);
        } catch (SQLException e) {
            if ("42501".equals(e.getSQLState())) {
                throw new SourceCheckException("role " + user + " may not create replication slot " + slot + ": "
                        + "ALTER ROLE " + user + " WITH REPLICATION", e);
            }
            throw new SourceCheckException("could not create replication slot " + slot + ": " + e.getMessage(), e);
        }
    }

    /** Notes whether the slot would survive a failover; fails closed when that is required and it would not. */
    private void checkFailover(Connection connection) throws SQLException {
        SlotFailover.Status status = SlotFailover.check(connection, slot, this::makeFailoverSlot);
        failoverReady = status.ready();
        if (status.ready()) {
            log.info("{}", status.description());
            return;
        }
        if (requireFailover) {
            throw SourceCheckException.permanent(status.description() + ". OUTBOX_SLOT_REQUIRE_FAILOVER=true: the "
                    + "relay does not stream from a slot a failover would lose. Configure the standby (see the README, "
                    + "\"PostgreSQL failover\"), or set OUTBOX_SLOT_REQUIRE_FAILOVER=false");
        }
        log.info("{}; after a failover the slot would be missing and the relay stops (OUTBOX_SLOT_REQUIRE_FAILOVER="
                + "true makes this fatal)", status.description());
    }

    /** Turns an existing slot (created before the relay made failover slots) into one, on PostgreSQL 17+. */
    private void makeFailoverSlot() throws SQLException {
        try (Connection replication = connect(true); Statement statement = replication.createStatement()) {
            statement.execute("ALTER_REPLICATION_SLOT " + slot + " (FAILOVER true)");
            log.info("replication slot {} is now a failover slot", slot);
        }
    }

    /** 1 when the last check found the slot synchronised to a standby, else 0 (the metric). */
    public int failoverReady() {
        return failoverReady ? 1 : 0;
    }

    /** Opens a pgoutput stream at the slot's confirmed position: every transaction committed after it is sent. */
    ChangeStream openPgOutputStream(java.time.Duration statusInterval) throws SQLException {
        Connection connection = connect(true);
        try {
            PGReplicationStream stream = connection.unwrap(PGConnection.class).getReplicationAPI()
                    .replicationStream().logical()
                    .withSlotName(slot)
                    .withSlotOption("proto_version", 1)
                    .withSlotOption("publication_names", publication)
                    .withStatusInterval((int) statusInterval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                    .start();
            return new PgOutputStream(connection, stream, schema, table);
        } catch (SQLException e) {
            connection.close();
            if ("55006".equals(e.getSQLState())) {
                throw slotInUse(e);
            }
            throw e;
        }
    }

    /** Opens the stream the relay is configured for, at the slot's confirmed position. */
    public ChangeStream openStream(SourceKind kind, java.time.Duration statusInterval,
            java.util.Map<String, String> debeziumSettings) throws SQLException {
        return kind == SourceKind.PGOUTPUT ? openPgOutputStream(statusInterval) : openDebeziumStream(debeziumSettings);
    }

    /**
     * Starts Debezium at the slot's confirmed position and returns once its replication connection holds the slot,
     * so every transaction committed from then on is streamed (readiness means exactly that). Debezium refuses a
     * slot missing at its own start check, but streams from any slot of that name and creates one missing a moment
     * later: a slot dropped after the relay's checks could so be replaced by one that starts now. The slot Debezium
     * holds is therefore compared with the one checked: see {@link #checkedSlotHeld}.
     */
    ChangeStream openDebeziumStream(java.util.Map<String, String> overrides) throws SQLException {
        long start;
        DatabaseAddress address;
        try (Connection connection = connect(false)) {
            SlotState state = slotState(connection)
                    .orElseThrow(() -> new SQLException("replication slot " + slot + " disappeared"));
            if (state.active()) {
                throw slotInUse(null);
            }
            start = state.confirmed();
            // Of several hosts in the URL, the one the driver connected to (with targetServerType=primary: the
            // primary); Debezium takes one host.
            HostSpec host = connection.unwrap(BaseConnection.class).getQueryExecutor().getHostSpec();
            address = DatabaseAddress.parse(url).at(host.getHost(), host.getPort());
        }
        TestHold.at("before-debezium-start");
        DebeziumStream stream = new DebeziumStream(DebeziumStream.engineProperties(address, user, password, slot,
                publication, schema, table, start, overrides), slot, schema, table, start, this::confirmedPosition);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        try (Connection connection = connect(false)) {
            while (true) {
                String stopped = stream.stopped();
                if (stopped != null) {
                    stream.close();
                    if (stopped.contains("is active for PID")) {
                        throw slotInUse(null);
                    }
                    throw new SQLException("Debezium stopped while starting: " + stopped);
                }
                Optional<SlotState> held = slotState(connection).filter(SlotState::active);
                if (held.isPresent()) {
                    checkedSlotHeld(connection, stream, start, held.get().confirmed());
                    log.info("Debezium streams slot {} from {} on {}:{}", slot, LogSequenceNumber.valueOf(start),
                            address.host(), address.port());
                    return stream;
                }
                if (System.nanoTime() > deadline) {
                    stream.close();
                    throw new SQLException("Debezium did not start streaming slot " + slot + " within 30 s");
                }
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
            }
        } catch (SQLException | RuntimeException e) {
            if (stream.stopped() == null) {
                stream.close();
            }
            throw e;
        }
    }

    /**
     * Whether the slot Debezium holds is the slot read at {@code start}: nothing moves that slot's confirmed position
     * until the relay confirms a transaction it read, so it is still {@code start}. A slot created after that read
     * cannot be there: its confirmed position is past the WAL record its own creation writes, which is past
     * {@code start}. Such a slot (Debezium's, or anyone's, made after the checked one was dropped) is dropped again,
     * so the relay's checks see the slot missing and stop with the rows at risk, now and at every later start.
     */
    private void checkedSlotHeld(Connection connection, DebeziumStream stream, long start, long confirmed)
            throws SQLException {
        if (confirmed == start) {
            return;
        }
        stream.close();
        String happened = "replication slot " + slot + " was dropped after the relay checked it (at "
                + LogSequenceNumber.valueOf(start).asString() + ") and Debezium found a new one (at "
                + LogSequenceNumber.valueOf(confirmed).asString() + "), which would skip every row committed "
                + "in between";
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        try (PreparedStatement drop = connection.prepareStatement("""
                SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                 WHERE slot_name = ? AND NOT active AND confirmed_flush_lsn = ?::pg_lsn""")) {
            drop.setString(1, slot);
            drop.setString(2, LogSequenceNumber.valueOf(confirmed).asString());
            while (slotState(connection).filter(state -> state.confirmed() == confirmed).isPresent()) {
                if (System.nanoTime() > deadline) {
                    throw SourceCheckException.permanent(happened + "; the relay could not drop that slot (still "
                            + "in use). Drop it: SELECT pg_drop_replication_slot('" + slot + "'); then start the "
                            + "relay, which reports the rows at risk and the recovery");
                }
                drop.execute();
                java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
            }
        }
        log.error("{}; the relay dropped that slot again", happened);
        throw new SQLException(happened);
    }

    /**
     * Moves the slot's confirmed position forward to {@code position} where it is behind (exactly-once: Kafka's
     * committed position, which the slot lags after a crash between the Kafka commit and the slot confirmation), so
     * the server sends only transactions committed after it. A slot held by another process fails as when opening.
     */
    public void advanceSlotTo(long position) throws SQLException {
        String lsn = LogSequenceNumber.valueOf(position).asString();
        try (Connection connection = connect(false); PreparedStatement statement = connection.prepareStatement(
                "SELECT pg_replication_slot_advance(slot_name, ?::pg_lsn) FROM pg_replication_slots "
                        + "WHERE slot_name = ? AND confirmed_flush_lsn < ?::pg_lsn")) {
            statement.setString(1, lsn);
            statement.setString(2, slot);
            statement.setString(3, lsn);
            try (ResultSet rs = statement.executeQuery()) {
                if (rs.next()) {
                    log.info("moved slot {} forward to {}, Kafka's committed position", slot, lsn);
                }
            }
        } catch (SQLException e) {
            if ("55006".equals(e.getSQLState())) {
                throw slotInUse(e);
            }
            throw e;
        }
    }

    /** The slot's confirmed_flush_lsn (0 when the slot is gone). */
    long confirmedPosition() throws SQLException {
        try (Connection connection = connect(false)) {
            return slotState(connection).map(SlotState::confirmed).orElse(0L);
        }
    }

    /** The slot's confirmed position (0 if it has none) and whether a replication connection holds it. */
    private record SlotState(long confirmed, boolean active) {
    }

    /** Empty when the slot is gone. */
    private Optional<SlotState> slotState(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT confirmed_flush_lsn, active_pid IS NOT NULL FROM pg_replication_slots WHERE slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                String confirmed = rs.getString(1);
                return Optional.of(new SlotState(confirmed == null ? 0 : LogSequenceNumber.valueOf(confirmed).asLong(),
                        rs.getBoolean(2)));
            }
        }
    }

    SourceCheckException slotInUse(Exception cause) {
        return new SourceCheckException("replication slot " + slot + " is in use by another process: is a second relay "
                + "running with OUTBOX_RELAY_NAME=" + slot + "? Two relays need two names", cause, true);
    }

    /**
     * Bytes of WAL the server keeps for this slot (current position minus the slot's restart position). Also notes
     * when the slot was last seen, where a lost slot's rows at risk start.
     */
    public Optional<Long> retainedWalBytes(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint, now()
                  FROM pg_replication_slots WHERE slot_name = ?""")) {
            statement.setString(1, slot);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                slotLastSeen = rs.getObject(2, OffsetDateTime.class).toInstant();
                slotGuard.slotSeen(slotLastSeen);
                return Optional.of(rs.getLong(1));
            }
        }
    }

    public Connection monitoringConnection() throws SQLException {
        return connect(false);
    }

    private static String single(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
