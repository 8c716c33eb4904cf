package dev.outbox.relay;

import dev.outbox.relay.http.HttpEndpoints;
import dev.outbox.relay.replay.Replay;
import dev.outbox.relay.replay.ReplayOptions;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar outbox-relay.jar [--config FILE]}: settings from {@code OUTBOX_*} environment variables, or the
 * same keys in a properties file (the environment wins). {@code java -jar outbox-relay.jar replay …} re-publishes
 * rows from the outbox table instead ({@link Replay}; exit 0 done, 1 failure, 2 bad option or setting).
 *
 * <p>Exit codes ({@link ExitStatus}), each but 0 with one line saying what happened and what to do:
 * <ul>
 *   <li>0: clean stop (SIGTERM or SIGINT): everything read was delivered and confirmed;</li>
 *   <li>1: failure: a start check, a lost source, any error ({@code Throwable}) on any relay thread, or a stop that
 *       did not finish within {@code OUTBOX_SHUTDOWN_TIMEOUT} (the unconfirmed rows are re-sent after a
 *       restart); restart it;</li>
 *   <li>2: configuration: a setting is missing, invalid or refused; fix it before restarting;</li>
 *   <li>3: fenced: exactly-once, a newer relay with the same {@code OUTBOX_RELAY_NAME} took over; do not restart
 *       this one.</li>
 * </ul>
 */
public final class RelayMain {

    private static final Logger log = LoggerFactory.getLogger(RelayMain.class);

    private RelayMain() {
    }

    public static void main(String[] args) {
        LogConfiguration.install(System.getenv());
        LogBridge.install();
        Thread.setDefaultUncaughtExceptionHandler(RelayMain::uncaught);
        int exit;
        try {
            exit = run(args);
        } catch (Throwable e) {
            ExitStatus status = ExitStatus.of(e);
            printError((status == ExitStatus.CONFIGURATION ? "configuration error: " : "") + describe(e));
            exit = status.code();
        }
        System.exit(exit);
    }

    private static int run(String[] args) throws InterruptedException {
        if (args.length > 0 && args[0].equals("replay")) {
            return replay(Arrays.copyOfRange(args, 1, args.length));
        }
        RelayConfig config;
        try {
            Map<String, String> settings = settings(args, System.getenv());
            Secrets.registerFrom(settings);
            LogConfiguration.install(settings); // a --config file may set the log format or level
            config = RelayConfig.from(settings);
        } catch (IllegalArgumentException e) {
            printError("configuration error: " + e.getMessage());
            return ExitStatus.CONFIGURATION.code();
        }
        log.info("starting outbox-relay with {}", config);
        Relay relay = new Relay(config);
        CountDownLatch ended = new CountDownLatch(1);
        stopOnSignals(relay, config.shutdownTimeout(), ended);
        HttpEndpoints http = config.httpPort() > 0 ? HttpEndpoints.start(config.httpPort(), relay::alive,
                relay::readiness, () -> Secrets.mask(relay.metrics().scrape())) : null;
        try {
            relay.start();
            relay.awaitTermination();
        } finally {
            ended.countDown();
            if (http != null) {
                http.close();
            }
        }
        Throwable failure = relay.failure();
        if (failure != null) {
            printError(describe(failure));
        }
        return ExitStatus.of(failure).code();
    }

    /** {@code replay …}: see {@link Replay}; a bad option or setting throws {@link RelayConfigException} (exit 2). */
    private static int replay(String[] args) throws InterruptedException {
        ReplayOptions options = ReplayOptions.parse(args);
        if (options.help()) {
            System.out.println(ReplayOptions.USAGE);
            return ExitStatus.CLEAN_STOP.code();
        }
        Map<String, String> settings = settings(options.configFile() == null ? new String[0]
                : new String[] {"--config", options.configFile().toString()}, System.getenv());
        Secrets.registerFrom(settings);
        new Replay(RelayConfig.from(settings), options, System.out).run();
        return ExitStatus.CLEAN_STOP.code();
    }

    /**
     * SIGTERM and SIGINT ask the loop to finish its batch and confirm it; main then exits 0. (A shutdown hook alone
     * would do the same work but leave the JVM's exit status at 143.) If that takes longer than {@code timeout} —
     * Kafka down, so the rows in flight are never acknowledged — the process exits 1 anyway: the slot was confirmed
     * only up to what Kafka acknowledged, so the rest is re-sent after a restart.
     */
    private static void stopOnSignals(Relay relay, Duration timeout, CountDownLatch ended) {
        AtomicBoolean stopping = new AtomicBoolean();
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                if (!stopping.compareAndSet(false, true)) {
                    return;
                }
                log.info("SIG{}: finishing the batch in flight and confirming it (at most OUTBOX_SHUTDOWN_TIMEOUT, "
                        + "{} ms)", name, timeout.toMillis());
                Thread.ofPlatform().name("outbox-relay-stop").daemon().start(relay::close);
                Thread.ofPlatform().name("outbox-relay-stop-deadline").daemon()
                        .start(() -> exitUnlessEndedWithin(timeout, ended));
            });
        }
    }

    private static void exitUnlessEndedWithin(Duration timeout, CountDownLatch ended) {
        try {
            if (ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        printError("the stop did not finish within OUTBOX_SHUTDOWN_TIMEOUT (" + timeout.toMillis() + " ms): Kafka "
                + "has not acknowledged every row read (is it reachable?). Exiting anyway; the slot is confirmed only "
                + "up to what Kafka acknowledged, so the unconfirmed rows will be re-sent after restart");
        // halt, not exit: nothing may hold the process past the timeout (a shutdown hook, a blocked close).
        Runtime.getRuntime().halt(ExitStatus.FAILURE.code());
    }

    /** An error no one caught on any thread (the relay thread catches its own) ends the process, non-zero. */
    private static void uncaught(Thread thread, Throwable error) {
        log.error("uncaught {} on thread {}", error, thread.getName(), error);
        if (error instanceof Error) {
            printError("fatal error on thread " + thread.getName() + ": " + describe(error));
            Runtime.getRuntime().halt(ExitStatus.FAILURE.code());
        }
    }

    private static String describe(Throwable failure) {
        return failure.getMessage() == null ? failure.toString() : failure.getMessage();
    }

    /** One line on stderr, secrets masked: connector and driver messages often quote the database URL. */
    private static void printError(String line) {
        System.err.println("outbox-relay: " + Secrets.mask(line));
        System.err.flush();
    }

    static Map<String, String> settings(String[] args, Map<String, String> environment) {
        Map<String, String> settings = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--config") && i + 1 < args.length) {
                settings.putAll(readFile(Path.of(args[++i])));
            } else {
                throw new RelayConfigException("arguments", "unknown: '" + args[i] + "' (usage: java -jar "
                        + "outbox-relay.jar [--config FILE])");
            }
        }
        environment.forEach((key, value) -> {
            if (key.startsWith(RelayConfig.PREFIX)) {
                settings.put(key, value);
            }
        });
        return settings;
    }

    private static Map<String, String> readFile(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new RelayConfigException("--config", "file " + file + " cannot be read: " + e.getMessage());
        }
        Map<String, String> settings = new HashMap<>();
        properties.forEach((key, value) -> settings.put(key.toString().strip(), value.toString().strip()));
        return settings;
    }
}
