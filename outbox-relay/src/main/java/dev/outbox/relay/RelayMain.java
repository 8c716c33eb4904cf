package dev.outbox.relay;

import dev.outbox.relay.http.HttpEndpoints;
import dev.outbox.relay.source.SourceCheckException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar outbox-relay.jar [--config FILE]}: settings from {@code OUTBOX_*} environment variables, or the
 * same keys in a properties file (the environment wins). Exit codes: 0 after a clean stop (SIGTERM), 2 for a
 * setting that is missing or invalid, 1 for any other fatal error; each with one line saying what to fix.
 */
public final class RelayMain {

    private static final Logger log = LoggerFactory.getLogger(RelayMain.class);

    private RelayMain() {
    }

    public static void main(String[] args) {
        RelayConfig config;
        try {
            config = RelayConfig.from(settings(args, System.getenv()));
        } catch (RelayConfigException | IllegalArgumentException e) {
            System.err.println("outbox-relay: configuration error: " + e.getMessage());
            System.exit(2);
            return;
        }
        log.info("starting outbox-relay with {}", config);
        Relay relay = new Relay(config);
        HttpEndpoints http = null;
        try {
            if (config.httpPort() > 0) {
                http = HttpEndpoints.start(config.httpPort(), relay::alive, relay::ready, relay.metrics()::scrape);
            }
            relay.start();
        } catch (SourceCheckException | java.io.UncheckedIOException e) {
            System.err.println("outbox-relay: " + e.getMessage());
            System.exit(1);
            return;
        }
        // SIGTERM and SIGINT ask the loop to finish its batch and confirm it; main then exits 0. (A shutdown hook
        // alone would do the same work but leave the JVM's exit status at 143.)
        for (String name : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(name), signal -> {
                log.info("SIG{}: finishing the batch in flight and confirming it", name);
                Thread.ofPlatform().name("outbox-relay-stop").start(relay::close);
            });
        }
        try {
            relay.awaitTermination();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (http != null) {
            http.close();
        }
        if (relay.failure() != null) {
            System.err.println("outbox-relay: " + relay.failure().getMessage());
            System.exit(1);
        }
        System.exit(0);
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
