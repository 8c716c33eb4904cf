package dev.outbox.sandbox;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The settings the sandbox gives its relay processes on top of the server addresses. The relays read the slot with
 * the pgoutput source: at the demo's rate the Debezium source costs about twice the relay CPU and adds latency to
 * each of a saga's hops, which on two shared CPUs pushes most orders past the reservation deadline. An
 * {@code OUTBOX_SOURCE} in the sandbox's own environment wins, so {@code OUTBOX_SOURCE=debezium bin/sandbox} runs
 * the relay's default source.
 */
final class RelaySettings {

    static final String SOURCE = "OUTBOX_SOURCE";
    static final String DEFAULT_SOURCE = "pgoutput";

    private RelaySettings() {
    }

    static Map<String, String> environment(Map<String, String> serverEnvironment,
                                           Map<String, String> sandboxEnvironment) {
        Map<String, String> environment = new LinkedHashMap<>(serverEnvironment);
        environment.put(SOURCE, sandboxEnvironment.getOrDefault(SOURCE, DEFAULT_SOURCE));
        return environment;
    }
}
