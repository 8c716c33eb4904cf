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

    /**
     * Orders the sandbox places before the measured run, at the same rate, and leaves out of the figures
     * ({@code --warmup-orders}): {@code outbox.bench.saga.warmup.seconds} (default 120) seconds of load, so that the
     * measured sagas run on compiled code, filled pools and connected clients (the warm start; a cold start
     * places none). After 30 s the JIT compilers still took 1.4–2.4 ms of CPU per measured saga.
     */
    static int warmupOrders(int rate) {
        long seconds = Long.getLong("outbox.bench.saga.warmup.seconds", 120);
        if (seconds < 0) {
            throw new IllegalArgumentException("outbox.bench.saga.warmup.seconds must be 0 or more, was " + seconds);
        }
        return (int) Math.min(Integer.MAX_VALUE, seconds * rate);
    }

    /** Start-up, the warm-up and the load, and the sandbox's own settle timeouts (120 s each), with room to spare. */
    static long timeoutSeconds(int orders, int warmupOrders, int rate) {
        return 180 + (orders + warmupOrders) / rate + 4 * 120 + 60;
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
