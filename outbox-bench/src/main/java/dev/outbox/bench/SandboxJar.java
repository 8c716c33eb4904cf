package dev.outbox.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;

/** Where the saga scenario finds the shaded sandbox jar, relative to the repository root (the working directory). */
final class SandboxJar {
    private SandboxJar() {
    }

    static Path path() {
        return Path.of(System.getProperty("outbox.sandbox.jar", "outbox-sandbox/target/outbox-sandbox.jar"));
    }

    /** Start-up, the load itself, and the sandbox's own settle timeouts (120 s each), with room to spare. */
    static long timeoutSeconds(int orders, int rate) {
        return 180 + orders / rate + 2 * 120 + 60;
    }

    /** A free port for the sandbox's PostgreSQL, so the driver can find its postmaster by command line. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
