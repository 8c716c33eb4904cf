package dev.outbox.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds free loopback ports. The port is free when returned and never handed out twice in one JVM (the kernel may
 * offer a just-released port again, e.g. to a broker's two listeners picked one after the other); a race with
 * another process is possible but rare.
 */
public final class FreePorts {

    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    /** A free loopback port, never one this JVM handed out before. */
    public static int pick() {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = freePort();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("the loopback interface offered only ports already handed out, 100 times");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on the loopback interface", e);
        }
    }
}
