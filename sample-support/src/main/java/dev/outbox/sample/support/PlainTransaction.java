package dev.outbox.sample.support;

import java.sql.Connection;
import java.util.function.Function;
import org.jooq.DSLContext;
import org.jooq.impl.DefaultConnectionProvider;

/**
 * A transaction on one pooled connection, committed when the work returns and rolled back when it throws (the
 * exception then propagates unchanged). Unlike {@code dsl.transactionResult}, it does not ask the driver for the
 * connection's isolation level first: jOOQ's default transaction provider does on every transaction, and pgjdbc answers
 * with a round trip ({@code SHOW TRANSACTION ISOLATION LEVEL}). For hot paths such as placing an order; it does not
 * nest.
 */
public final class PlainTransaction {

    private PlainTransaction() {
    }

    /** Runs {@code work} with a DSLContext bound to the transaction's connection; returns what it returns. */
    public static <T> T run(DSLContext dsl, Function<DSLContext, T> work) {
        return dsl.connectionResult(connection -> {
            connection.setAutoCommit(false);
            try {
                T result = work.apply(bound(dsl, connection));
                connection.commit();
                return result;
            } catch (Throwable e) {
                rollbackQuietly(connection, e);
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        });
    }

    private static DSLContext bound(DSLContext dsl, Connection connection) {
        return dsl.configuration().derive(new DefaultConnectionProvider(connection)).dsl();
    }

    /** A failed rollback must not hide why the work failed; the pool discards a broken connection anyway. */
    private static void rollbackQuietly(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }
}
