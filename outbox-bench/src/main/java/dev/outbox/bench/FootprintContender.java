package dev.outbox.bench;

import java.util.Arrays;
import java.util.List;

/** What {@link RelayFootprint} starts, each as a fresh process per phase. */
enum FootprintContender {
    /** {@code java <relay JVM options> -jar outbox-relay.jar}: the default source. */
    RELAY_DEBEZIUM("our relay, Debezium source (default)", "debezium"),
    /** The same with {@code OUTBOX_SOURCE=pgoutput}. */
    RELAY_PGOUTPUT("our relay, pgoutput source", "pgoutput"),
    /** {@code bin/outbox-relay} (its default JVM options) with the ahead-of-time cache the run trains first. */
    RELAY_DEBEZIUM_AOT("our relay, Debezium source, AOT cache (bin/outbox-relay)", "debezium-aot"),
    /** The benchmark's stock Debezium outbox pipeline, tuned, with the JVM options the benchmark gives it. */
    STOCK_TUNED("Debezium outbox (tuned), the stock pipeline", "stock-tuned");

    final String label;
    final String key;

    FootprintContender(String label, String key) {
        this.label = label;
        this.key = key;
    }

    boolean pgoutputSource() {
        return this == RELAY_PGOUTPUT;
    }

    /** The contenders named by {@code keys} (comma-separated), in the order given. */
    static List<FootprintContender> parse(String keys) {
        return Arrays.stream(keys.split(","))
                .map(String::trim)
                .filter(key -> !key.isEmpty())
                .map(key -> Arrays.stream(values()).filter(c -> c.key.equals(key)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown contender " + key + "; known: "
                                + String.join(",", Arrays.stream(values()).map(c -> c.key).toList()))))
                .toList();
    }
}
