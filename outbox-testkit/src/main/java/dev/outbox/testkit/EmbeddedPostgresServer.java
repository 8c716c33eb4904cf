package dev.outbox.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 18 from the zonky embedded binaries, configured for logical decoding. The server runs as its own
 * OS process, so a test can {@link #kill()} it with SIGKILL and {@link #restart()} it on the same data directory
 * and port to see what survives a crash.
 *
 * <p>By default fsync is off (fast tests); {@link Options#durable()} switches it on, which benchmarks need.
 * synchronous_commit is always on.
 */
public final class EmbeddedPostgresServer implements Postgres {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    private static final String USER = "postgres";

    /**
     * @param port       0 picks a free port
     * @param dataDirectory where the cluster lives; empty = a temporary directory deleted on {@link #close()}
     * @param durable    fsync and full_page_writes on (off by default: tests need speed, not durability)
     * @param settings   server settings applied over the defaults
     */
    public record Options(int port, Optional<Path> dataDirectory, boolean durable, Map<String, String> settings) {
        public Options {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0..65535, was " + port);
            }
            settings = Map.copyOf(settings);
        }

        public Options(int port, Optional<Path> dataDirectory, boolean durable) {
            this(port, dataDirectory, durable, Map.of());
        }

        public static Options defaults() {
            return new Options(0, Optional.empty(), false);
        }

        public Options withDurable(boolean durable) {
            return new Options(port, dataDirectory, durable, settings);
        }

        public Options withDataDirectory(Path directory) {
            return new Options(port, Optional.of(directory), durable, settings);
        }

        /** TLS on, with the server certificate and key of {@code certificates}; clients verify it with its CA file. */
        public Options withTls(TestCertificates certificates) {
            return withSetting("ssl", "on")
                    .withSetting("ssl_cert_file", certificates.serverCertificate().toString())
                    .withSetting("ssl_key_file", certificates.serverKey().toString());
        }

        /** A server setting over the defaults, e.g. {@code wal_level=replica} to test what fails without it. */
        public Options withSetting(String name, String value) {
            Map<String, String> more = new java.util.HashMap<>(settings);
            more.put(name, value);
            return new Options(port, dataDirectory, durable, more);
        }
    }

    private final Options options;
    private final Path dataDirectory;
    private final boolean ownsDataDirectory;
    private final int port;
    private EmbeddedPostgres postgres;

    private EmbeddedPostgresServer(Options options) throws IOException {
        this.options = options;
        this.ownsDataDirectory = options.dataDirectory().isEmpty();
        this.dataDirectory = options.dataDirectory().orElse(Files.createTempDirectory("outbox-pg-"));
        this.port = options.port() == 0 ? FreePorts.pick() : options.port();
    }

    public static EmbeddedPostgresServer start() {
        return start(Options.defaults());
    }

    public static EmbeddedPostgresServer start(Options options) {
        try {
            EmbeddedPostgresServer server = new EmbeddedPostgresServer(options);
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    private void launch() throws IOException {
        long started = System.nanoTime();
        String fsync = options.durable() ? "on" : "off";
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setPort(port)
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPGStartupWait(Duration.ofSeconds(60))
                .setServerConfig("wal_level", "logical")
                .setServerConfig("max_replication_slots", "32")
                .setServerConfig("max_wal_senders", "32")
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", fsync)
                // Always on: logical decoding only sees flushed WAL, so an asynchronous commit would reach a
                // relay up to 3 x wal_writer_delay late. With fsync off a flush is a cheap write().
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", fsync)
                .setServerConfig("listen_addresses", "127.0.0.1");
        options.settings().forEach(builder::setServerConfig);
        postgres = builder.start();
        log.info("PostgreSQL started on 127.0.0.1:{} (data {}, fsync {}) in {} ms",
                port, dataDirectory, fsync, (System.nanoTime() - started) / 1_000_000);
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public String user() {
        return USER;
    }

    @Override
    public String password() {
        return "";
    }

    public Path dataDirectory() {
        return dataDirectory;
    }

    @Override
    public TestDatabase createDatabase(String name) {
        return TestDatabase.create(this, name);
    }

    /** Sends SIGKILL to the postmaster, as a crash would; {@link #restart()} brings it back. */
    public void kill() {
        long pid = postmasterPid().orElseThrow(() -> new IllegalStateException("PostgreSQL is not running"));
        ProcessHandle handle = ProcessHandle.of(pid).orElseThrow();
        List<ProcessHandle> children = handle.descendants().toList();
        handle.destroyForcibly();
        handle.onExit().join();
        // Backends exit on their own once the postmaster dies; wait so the port and shared memory are free.
        children.forEach(child -> child.onExit().join());
        releaseDeadInstance();
        log.info("PostgreSQL on port {} killed (SIGKILL to pid {})", port, pid);
    }

    /** Starts the server again on the same data directory and port, after {@link #kill()} or {@link #stop()}. */
    public void restart() {
        if (postgres != null) {
            throw new IllegalStateException("PostgreSQL is running; kill() or stop() it first");
        }
        try {
            launch();
        } catch (IOException e) {
            throw new UncheckedIOException("could not restart the embedded PostgreSQL: " + e.getMessage(), e);
        }
    }

    /** A clean, fast shutdown (pg_ctl stop -m fast); the data directory stays for {@link #restart()}. */
    public void stop() {
        if (postgres == null) {
            return;
        }
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            postgres = null;
        }
    }

    /** Lets go of the JVM-side lock zonky holds on the data directory; its pg_ctl stop finds nothing to stop. */
    private void releaseDeadInstance() {
        try {
            postgres.close();
        } catch (IOException | RuntimeException expected) {
            log.debug("closing the killed PostgreSQL instance: {}", expected.toString());
        } finally {
            postgres = null;
        }
    }

    private Optional<Long> postmasterPid() {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            return Optional.of(Long.parseLong(Files.readAllLines(pidFile).getFirst().strip()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            stop();
        } finally {
            if (ownsDataDirectory) {
                Directories.deleteRecursively(dataDirectory);
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedPostgresServer[127.0.0.1:" + port + "]";
    }
}
