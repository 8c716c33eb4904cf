package dev.outbox.sandbox;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The sandbox's command line: a command and its flags. Invalid input fails naming the flag. */
record SandboxArguments(Command command, boolean help, int postgresPort, int kafkaPort, int orders, int rate,
        int concurrency, Duration deadline, double duplicateRatio, boolean exitAfterSummary, long seed,
        int orderPort, int inventoryPort, boolean durable, boolean disruption, Optional<Path> summaryJson,
        int warmupOrders, int killInventoryAfter, Map<String, String> postgresSettings) {

    enum Command { DEMO, INFRA }

    static final String USAGE = """
            usage: java -jar outbox-sandbox.jar [infra] [options]
              (no command)        the demo: PostgreSQL, Kafka, one relay per service database, both services,
                                  a workload of orders, a summary; the APIs stay up until Ctrl-C
              infra               only PostgreSQL (database 'outbox' with the library tables) and Kafka: prints
                                  OUTBOX_* lines and READY, runs until stopped
            demo options:
              --orders N          orders to place (default 1000)
              --rate N            orders per second, open loop (default 100)
              --concurrency N     HTTP requests in flight at most (default 32)
              --deadline-ms N     how long an order waits for the stock reservation (default 5000)
              --duplicates F      re-publish this fraction of all events as duplicates, 0..1 (default 0)
              --seed N            random seed of the order mix (default 42)
              --order-port N      order service HTTP port (default 8081; 0 = free port)
              --inventory-port N  inventory service HTTP port (default 8082; 0 = free port)
              --exit              stop after the summary instead of keeping the APIs up
              --durable           PostgreSQL with fsync, full_page_writes and synchronous_commit on (default
                                  off: the test kit's fast settings; use it for any figure that is published)
              --no-disruption     do not freeze the inventory relay (the demo's forced timeouts)
              --summary-json FILE also write the summary as JSON to FILE (for the benchmark's saga scenario)
              --warmup-orders N   first place N orders at the same rate, without disruption, wait until they are
                                  terminal, and leave them out of the figures (reported apart; default 0)
              --kill-inventory-after N
                                  run the inventory service as a process of its own, kill it (SIGKILL) after N
                                  orders and start it again at once; the summary says how soon its consumer
                                  applied events again (default 0: no kill)
            common options:
              --pg-port N         PostgreSQL port (default: a free port)
              --pg-setting K=V    a PostgreSQL server setting over the test kit's, repeatable (e.g.
                                  shared_preload_libraries=pg_stat_statements to measure statements)
              --kafka-port N      Kafka port (default: a free port)
              --help              this text""";

    SandboxArguments {
        if (orders < 1) {
            throw new IllegalArgumentException("--orders must be at least 1, was " + orders);
        }
        if (rate < 1) {
            throw new IllegalArgumentException("--rate must be at least 1, was " + rate);
        }
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency must be at least 1, was " + concurrency);
        }
        if (deadline.toMillis() < 200) {
            throw new IllegalArgumentException("--deadline-ms must be at least 200, was " + deadline.toMillis());
        }
        if (duplicateRatio < 0 || duplicateRatio > 1) {
            throw new IllegalArgumentException("--duplicates must be between 0 and 1, was " + duplicateRatio);
        }
        if (killInventoryAfter > orders) {
            throw new IllegalArgumentException("--kill-inventory-after must be at most --orders (" + orders
                    + "), was " + killInventoryAfter);
        }
        summaryJson.ifPresent(file -> {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new IllegalArgumentException("--summary-json: directory " + parent + " does not exist");
            }
            if (Files.isDirectory(file)) {
                throw new IllegalArgumentException("--summary-json must name a file, " + file + " is a directory");
            }
        });
    }

    static SandboxArguments defaults() {
        return new SandboxArguments(Command.DEMO, false, 0, 0, 1000, 100, 32, Duration.ofMillis(5000), 0, false, 42,
                8081, 8082, false, true, Optional.empty(), 0, 0, Map.of());
    }

    static SandboxArguments parse(String... args) {
        Command command = Command.DEMO;
        boolean help = false;
        boolean exit = false;
        int postgresPort = 0;
        int kafkaPort = 0;
        int orders = 1000;
        int rate = 100;
        int concurrency = 32;
        long deadlineMillis = 5000;
        double duplicates = 0;
        long seed = 42;
        int orderPort = 8081;
        int inventoryPort = 8082;
        boolean durable = false;
        boolean disruption = true;
        Optional<Path> summaryJson = Optional.empty();
        int warmupOrders = 0;
        int killInventoryAfter = 0;
        Map<String, String> postgresSettings = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "infra" -> command = Command.INFRA;
                case "--help", "-h" -> help = true;
                case "--exit" -> exit = true;
                case "--durable" -> durable = true;
                case "--no-disruption" -> disruption = false;
                case "--summary-json" -> summaryJson = Optional.of(file(arg, value(args, ++i, arg)));
                case "--pg-port" -> postgresPort = port(arg, value(args, ++i, arg));
                case "--pg-setting" -> setting(postgresSettings, arg, value(args, ++i, arg));
                case "--kafka-port" -> kafkaPort = port(arg, value(args, ++i, arg));
                case "--order-port" -> orderPort = port(arg, value(args, ++i, arg));
                case "--inventory-port" -> inventoryPort = port(arg, value(args, ++i, arg));
                case "--orders" -> orders = (int) number(arg, value(args, ++i, arg));
                case "--rate" -> rate = (int) number(arg, value(args, ++i, arg));
                case "--concurrency" -> concurrency = (int) number(arg, value(args, ++i, arg));
                case "--deadline-ms" -> deadlineMillis = number(arg, value(args, ++i, arg));
                case "--seed" -> seed = number(arg, value(args, ++i, arg));
                case "--duplicates" -> duplicates = fraction(arg, value(args, ++i, arg));
                case "--warmup-orders" -> warmupOrders = (int) number(arg, value(args, ++i, arg));
                case "--kill-inventory-after" -> killInventoryAfter = (int) number(arg, value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown argument '" + arg + "'");
            }
        }
        return new SandboxArguments(command, help, postgresPort, kafkaPort, orders, rate, concurrency,
                Duration.ofMillis(deadlineMillis), duplicates, exit, seed, orderPort, inventoryPort, durable, disruption,
                summaryJson, warmupOrders, killInventoryAfter, postgresSettings);
    }

    private static void setting(Map<String, String> settings, String flag, String value) {
        int equals = value.indexOf('=');
        if (equals < 1) {
            throw new IllegalArgumentException(flag + " must be NAME=VALUE, was '" + value + "'");
        }
        settings.put(value.substring(0, equals).trim(), value.substring(equals + 1).trim());
    }

    private static String value(String[] args, int index, String flag) {
        if (index >= args.length) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return args[index];
    }

    private static Path file(String flag, String value) {
        if (value.isBlank() || value.startsWith("--")) {
            throw new IllegalArgumentException(flag + " needs a file name, was '" + value + "'");
        }
        return Path.of(value);
    }

    private static int port(String flag, String value) {
        long port = number(flag, value);
        if (port > 65535) {
            throw new IllegalArgumentException(flag + " must be a port number 0..65535, was '" + value + "'");
        }
        return (int) port;
    }

    private static long number(String flag, String value) {
        try {
            long number = Long.parseLong(value);
            if (number < 0 || number > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a whole number, was '" + value + "'");
        }
    }

    private static double fraction(String flag, String value) {
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " must be a number between 0 and 1, was '" + value + "'");
        }
    }
}
