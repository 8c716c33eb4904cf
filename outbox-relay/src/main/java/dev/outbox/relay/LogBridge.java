package dev.outbox.relay;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sends java.util.logging records (pgjdbc logs that way, quoting connection URLs) to SLF4J, so they are written by
 * the relay's logback appenders with the secret masking instead of by the JDK's console handler without it.
 */
final class LogBridge {

    private LogBridge() {
    }

    /** Replaces the JUL root logger's handlers with the bridge; call before anything logs. */
    static void install() {
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
    }
}
