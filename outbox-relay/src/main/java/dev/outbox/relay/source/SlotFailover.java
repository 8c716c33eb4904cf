package dev.outbox.relay.source;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Whether the relay's slot would survive a failover to a physical standby, as far as the primary can tell
 * (PostgreSQL 17+). The standby keeps a copy of a slot created with {@code failover = true} when it runs with
 * {@code sync_replication_slots = on} and {@code hot_standby_feedback = on}; the primary's
 * {@code synchronized_standby_slots} makes the relay receive only changes those standbys have, so the copy is never
 * behind what the relay confirmed. Whether the copy exists can only be seen on the standby ({@code synced}); from the
 * primary the relay checks that its slot is a failover slot and that every standby slot named by
 * {@code synchronized_standby_slots} is streaming with feedback on.
 */
final class SlotFailover {

    private static final int FIRST_VERSION = 170_000;

    /** {@code ready}: the slot would survive a failover; {@code description}: a line that says why (not). */
    record Status(boolean ready, String description) {
    }

    /** Turns the existing slot into a failover slot. */
    @FunctionalInterface
    interface MakeFailoverSlot {
        void run() throws SQLException;
    }

    private SlotFailover() {
    }

    /** Whether the server has failover slots (PostgreSQL 17+). */
    static boolean supported(Connection connection) throws SQLException {
        return serverVersion(connection) >= FIRST_VERSION;
    }

    /**
     * Whether {@link #check} would turn {@code slot} into a failover slot, which it can only while no stream holds it.
     */
    static boolean wouldConvert(Connection connection, String slot) throws SQLException {
        if (serverVersion(connection) < FIRST_VERSION) {
            return false;
        }
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT NOT failover AND NOT active FROM pg_replication_slots WHERE slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    /** Checks {@code slot}; an inactive slot that is not yet a failover slot is made one on the way. */
    static Status check(Connection connection, String slot, MakeFailoverSlot makeFailoverSlot) throws SQLException {
        String unprotected = "replication slot " + slot + " is not protected against a PostgreSQL failover: ";
        int version = serverVersion(connection);
        if (version < FIRST_VERSION) {
            return new Status(false, unprotected + "PostgreSQL " + version / 10_000 + " has no failover slots (17+)");
        }
        boolean failover;
        boolean active;
        try (PreparedStatement statement = connection.prepareStatement(
                "SELECT failover, active FROM pg_replication_slots WHERE slot_name = ?")) {
            statement.setString(1, slot);
            try (ResultSet rs = statement.executeQuery()) {
                if (!rs.next()) {
                    return new Status(false, unprotected + "it is missing");
                }
                failover = rs.getBoolean(1);
                active = rs.getBoolean(2);
            }
        }
        if (!failover && !active) {
            try {
                makeFailoverSlot.run();
                failover = true;
            } catch (SQLException e) {
                return new Status(false, unprotected + "it was created without failover = true, and turning it into "
                        + "a failover slot failed (" + e.getMessage() + ")");
            }
        }
        if (!failover) {
            return new Status(false, unprotected + "it was created without failover = true and is in use");
        }
        List<String> standbySlots = standbySlots(connection);
        if (standbySlots.isEmpty()) {
            return new Status(false, unprotected + "synchronized_standby_slots is not set on the primary (name the "
                    + "physical slot of each standby that keeps a copy; without it the relay may receive changes a "
                    + "standby has not, and its copy would be behind after a failover)");
        }
        List<String> streaming = new ArrayList<>();
        List<String> notStreaming = new ArrayList<>();
        try (PreparedStatement statement = connection.prepareStatement("""
                SELECT active AND xmin IS NOT NULL FROM pg_replication_slots
                 WHERE slot_name = ? AND slot_type = 'physical'""")) {
            for (String standbySlot : standbySlots) {
                statement.setString(1, standbySlot);
                try (ResultSet rs = statement.executeQuery()) {
                    (rs.next() && rs.getBoolean(1) ? streaming : notStreaming).add(standbySlot);
                }
            }
        }
        if (!notStreaming.isEmpty()) {
            return new Status(false, unprotected + "no standby with hot_standby_feedback = on streams from physical "
                    + "slot(s) " + notStreaming + " named by synchronized_standby_slots (the relay's stream also "
                    + "waits for them)");
        }
        return new Status(true, "replication slot " + slot + " is a failover slot; standby slot(s) " + streaming
                + " of synchronized_standby_slots stream with feedback: a standby with sync_replication_slots = on "
                + "keeps a copy the relay continues from after a failover");
    }

    /** The slot names in {@code synchronized_standby_slots}, unquoted. */
    private static List<String> standbySlots(Connection connection) throws SQLException {
        String setting;
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SELECT current_setting('synchronized_standby_slots')")) {
            rs.next();
            setting = rs.getString(1);
        }
        List<String> names = new ArrayList<>();
        for (String name : setting == null ? new String[0] : setting.split(",")) {
            String trimmed = name.strip().replace("\"", "");
            if (!trimmed.isEmpty()) {
                names.add(trimmed);
            }
        }
        return names;
    }

    private static int serverVersion(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("SHOW server_version_num")) {
            rs.next();
            return Integer.parseInt(rs.getString(1).strip());
        }
    }
}
