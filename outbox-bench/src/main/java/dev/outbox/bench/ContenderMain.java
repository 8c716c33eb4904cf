package dev.outbox.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * Entry point of a contender's own JVM, so that its CPU time and peak RSS can be read from /proc apart from the
 * driver's. Arguments are {@code kind key=value...}; a contender that measures itself (the ceilings) prints one
 * line {@code RESULT count=<n> startMicros=<t> endMicros=<t>}.
 */
public final class ContenderMain {
    private ContenderMain() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> settings = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        ChildSettings child = new ChildSettings(settings);
        switch (args[0]) {
            case "polling" -> new PollingRelay(child).run();
            case "debezium-default" -> new DebeziumPipeline(child, false).run();
            case "debezium-tuned" -> new DebeziumPipeline(child, true).run();
            case "raw-producer" -> RawProducer.run(child);
            case "pgoutput-decode" -> DecodeCeiling.run(child);
            case "insert-1row" -> InsertCeiling.run(child, false);
            case "insert-multirow" -> InsertCeiling.run(child, true);
            default -> throw new IllegalArgumentException("unknown contender " + args[0]);
        }
    }

    /** The settings a child receives from the driver. */
    record ChildSettings(Map<String, String> values) {
        String get(String key) {
            String value = values.get(key);
            if (value == null) {
                throw new IllegalArgumentException("missing setting " + key);
            }
            return value;
        }

        long getLong(String key) {
            return Long.parseLong(get(key));
        }

        int getInt(String key) {
            return Integer.parseInt(get(key));
        }
    }

    /**
     * Prints the RESULT line and then holds every connection open until the driver kills this JVM, so that the
     * driver's last /proc sample still finds the PostgreSQL backends that served this contender.
     */
    static void printResultAndHold(long count, long startMicros, long endMicros) throws InterruptedException {
        System.out.println("RESULT count=" + count + " startMicros=" + startMicros + " endMicros=" + endMicros);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
